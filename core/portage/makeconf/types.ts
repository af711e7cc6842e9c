/**
 * make.conf as a list of statements that keep their exact source text, so that an unmodified
 * document serializes byte for byte as it was read (comments, blank lines, quoting, line
 * continuations and inline comments included).
 */
export interface Segment {
  /** How this piece of the value was quoted. Expansion happens in `none` and `double` only. */
  quote: 'none' | 'single' | 'double';
  /** The text between the quotes (escapes not yet processed). */
  text: string;
  /** Offset of `text` in the source, for line numbers in errors. */
  offset: number;
}

export interface AssignStatement {
  kind: 'assign';
  raw: string;
  /** 1-based line of the variable name. */
  line: number;
  key: string;
  exported: boolean;
  segments: Segment[];
}

export interface SourceStatement {
  kind: 'source';
  raw: string;
  line: number;
  segments: Segment[];
}

export interface TriviaStatement {
  kind: 'blank' | 'comment';
  raw: string;
  line: number;
}

export type Statement = AssignStatement | SourceStatement | TriviaStatement;

export interface MakeConfDoc {
  /** Where the text came from, for error messages (`/etc/portage/make.conf`, `make.conf/00-binfarm.conf`). */
  file: string;
  statements: Statement[];
  /** Line starts of the source, for mapping offsets to lines. */
  lineStarts: number[];
}
