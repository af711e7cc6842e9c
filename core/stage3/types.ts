/** What the stage3 resolution gives and where it reports (core/stage3/resolve.ts, core/stage3/locked.ts). */
export interface BaseImage {
  ref: string;
  digest: string;
}

/** Where the stage3 resolution reports what it does. */
export interface Stage3Output {
  output(line: string): void;
  title(text: string): void;
  warn(line: string): void;
  /** `run --pull`: pull a registry image even when present (a floating tag may have moved). */
  pull?: boolean;
}
