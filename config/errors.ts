/** Every way a configuration can be refused, each with a stable code and the path of the bad field. */
export type ConfigErrorCode =
  | 'CONFIG_ERR_UNREADABLE' // the file cannot be read or is not YAML/JSON
  | 'CONFIG_ERR_INVALID' // a field fails the schema
  | 'CONFIG_ERR_SECRET'; // a secret reference points at nothing

export interface ConfigProblem {
  /** Dotted path of the field, e.g. `teams.sales.members.0`. */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly code: ConfigErrorCode,
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(`${file}: ${problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ')}`);
  }
}
