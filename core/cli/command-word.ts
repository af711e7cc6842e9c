/** Global options that take a value (main.ts): the word after them is not the command. */
const VALUE_OPTIONS = new Set(['-c', '--config', '--set', '-C', '--cwd']);

/**
 * The command word of a command line (`binfarm --cwd x run a` → `run`), found without commander
 * so that only that command's module is loaded. undefined when help is asked for (`-h`,
 * `--help`, `help`) or no word is found: then every command is loaded, as commander needs them
 * all for the help text and its "did you mean" suggestions. A wrong guess is harmless as long
 * as it is not the name of another command, which only a `-C`/`-c` value could be.
 */
export function commandWord(argv: readonly string[]): string | undefined {
  // `--version` needs no command at all: '' names none, so none is loaded.
  if (argv.length === 3 && (argv[2] === '-V' || argv[2] === '--version')) return '';
  const args = argv.slice(2);
  let version = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return undefined;
    if (a === '-h' || a === '--help') return undefined;
    if (!a.startsWith('-') || a === '-') return args.slice(i).some((x) => x === '-h' || x === '--help') ? undefined : a;
    if (a.includes('=')) continue;
    // `-C dir`, `--set k=v`, and combined short flags ending in one of them (`-qC dir`).
    if (VALUE_OPTIONS.has(a) || /^-[a-zA-Z]*[cC]$/.test(a)) i++;
    // `--cwd dir --version`: still no command to load.
    else if (a === '-V' || a === '--version') version = true;
  }
  return version ? '' : undefined;
}
