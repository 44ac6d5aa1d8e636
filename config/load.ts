/**
 * Reads the configuration file once at start, validates it, resolves secret references and
 * returns a deep-frozen result. Nothing else in Relais reads the file or `process.env`.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { configSchema, type ParsedConfig, type SecretRef } from './schema.ts';
import { ConfigError, type ConfigProblem } from './errors.ts';

/** The configuration with every secret reference replaced by its value. */
export type Config = Resolved<ParsedConfig>;
type Resolved<T> = T extends SecretRef
  ? string
  : T extends readonly (infer U)[]
    ? readonly Resolved<U>[]
    : T extends object
      ? { readonly [K in keyof T]: Resolved<T[K]> }
      : T;

export type Env = Readonly<Record<string, string | undefined>>;

export function loadConfigFile(file: string, env: Env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('CONFIG_ERR_UNREADABLE', file, [{ path: '', message: (err as Error).message }]);
  }
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError('CONFIG_ERR_UNREADABLE', file, [{ path: '', message: (err as Error).message }]);
  }
  return parseConfig(raw, env, file);
}

/** Validates already-parsed data (tests build configs as objects). */
export function parseConfig(raw: unknown, env: Env, source = '<config>'): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new ConfigError('CONFIG_ERR_INVALID', source, problems);
  }
  const problems: ConfigProblem[] = [];
  const resolved = resolveSecrets(result.data, [], env, problems);
  if (problems.length) throw new ConfigError('CONFIG_ERR_SECRET', source, problems);
  return deepFreeze(resolved) as Config;
}

/** Reads a dotenv-style file (KEY=value lines, # comments) such as the generated secrets file. */
export function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && !line.trimStart().startsWith('#')) out[m[1]!] = m[2]!.replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

function isSecretRef(v: unknown): v is SecretRef {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'env' || keys[0] === 'file');
}

function resolveSecrets(v: unknown, path: (string | number)[], env: Env, problems: ConfigProblem[]): unknown {
  if (isSecretRef(v)) {
    const where = path.join('.');
    if ('env' in v) {
      const value = env[v.env];
      if (!value) problems.push({ path: where, message: `environment variable ${v.env} is not set` });
      return value ?? '';
    }
    try {
      return readFileSync(v.file, 'utf8').trim();
    } catch (err) {
      problems.push({ path: where, message: `cannot read secret file ${v.file}: ${(err as Error).message}` });
      return '';
    }
  }
  if (Array.isArray(v)) return v.map((x, i) => resolveSecrets(x, [...path, i], env, problems));
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveSecrets(x, [...path, k], env, problems)]));
  }
  return v;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
