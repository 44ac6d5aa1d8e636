-- Console passwords of staff members (server/auth/credentials.ts): one scrypt hash each, never the
-- password. Who may log in and with what role is the configuration's: a row whose staff id left
-- the configuration opens nothing.
create table staff_credentials (
  staff_id text primary key,
  -- scrypt$N$r$p$salt$key (server/auth/passwords.ts).
  password_hash text not null,
  -- config: hashed from the configuration's secret, replaced when that secret changes;
  -- user: chosen by the person, which the configuration no longer overrides.
  source text not null check (source in ('config', 'user')),
  changed_at timestamptz not null default now()
);
