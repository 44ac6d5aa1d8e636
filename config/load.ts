/**
 * Reads the configuration file once at start, validates it, resolves secret references and
 * returns a deep-frozen result. Nothing else in Relais reads the file or `process.env`.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { buildConfigSchema, SECRET_ISSUE, type ParsedConfig, type SecretRef } from './schema.ts';
import { ConfigError } from './errors.ts';

/** The validated configuration, secrets resolved, deep-frozen. */
export type Config = DeepReadonly<ParsedConfig>;
type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
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
  const result = buildConfigSchema((ref) => resolveSecret(ref, env)).safeParse(raw);
  if (result.success) return deepFreeze(result.data) as Config;
  const problems = result.error.issues.map((i) => ({
    // An unknown key is reported on its parent: name the key itself, so the path points at it.
    path: [...i.path, ...(i.code === 'unrecognized_keys' && i.keys.length === 1 ? i.keys : [])].join('.'),
    message: i.message,
  }));
  const onlySecrets = result.error.issues.every((i) => i.code === 'custom' && i.params?.kind === SECRET_ISSUE);
  throw new ConfigError(onlySecrets ? 'CONFIG_ERR_SECRET' : 'CONFIG_ERR_INVALID', source, problems);
}

function resolveSecret(ref: SecretRef, env: Env): { value: string } | { problem: string } {
  if ('env' in ref) {
    const value = env[ref.env];
    return value ? { value } : { problem: `environment variable ${ref.env} is not set` };
  }
  try {
    const value = readFileSync(ref.file, 'utf8').trim();
    return value ? { value } : { problem: `secret file ${ref.file} is empty` };
  } catch (err) {
    return { problem: `cannot read secret file ${ref.file}: ${(err as Error).message}` };
  }
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

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
