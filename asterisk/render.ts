/**
 * Renders every Asterisk configuration file Relais owns from its own configuration. Pure: data
 * in, file contents out. Files not rendered here keep Debian's stock content.
 */
import type { Config } from '../config/load.ts';
import { renderDialplan } from '../dialplan/render.ts';
import { renderConf, type ConfSection } from './conf-file.ts';
import { renderPjsip } from './render-pjsip.ts';

/** Where an instance lives, as Asterisk sees it (inside the chroot when there is one). */
export interface InstanceDirs {
  root: string;
  etc: string;
  run: string;
  spool: string;
  log: string;
  lib: string;
  cache: string;
  /** Relais' rendered prompts, played as `sound:<sounds>/<name>`. */
  sounds: string;
}

export function instanceDirs(root: string): InstanceDirs {
  const at = (sub: string) => `${root}/${sub}`;
  return {
    root,
    etc: at('etc'),
    run: at('run'),
    spool: at('spool'),
    log: at('log'),
    lib: at('lib'),
    cache: at('cache'),
    sounds: at('sounds'),
  };
}

/** Debian's paths for what the package installs (modules, sounds, music on hold). */
const DEBIAN_MODULES = '/usr/lib/x86_64-linux-gnu/asterisk/modules';
const DEBIAN_DATA = '/usr/share/asterisk';

export interface RenderOptions {
  /** Modules directory when it differs from Debian's (native installs on other layouts). */
  moduleDir?: string;
  /** Extra dialplan contexts and pjsip objects (a benchmark compares the IVR with plain dialplan). */
  extras?: { contexts?: readonly ConfSection[]; pjsip?: readonly ConfSection[] };
}

export function renderAsteriskFiles(config: Config, dirs: InstanceDirs, opts: RenderOptions = {}): Record<string, string> {
  const a = config.asterisk;
  return {
    'asterisk.conf': renderConf("Asterisk core: this instance's own folders", [
      {
        // No "(!)" after the name: Debian's stock file makes [directories] a template, which
        // Asterisk then silently ignores.
        name: 'directories',
        entries: [
          ['astcachedir', dirs.cache],
          ['astetcdir', dirs.etc],
          ['astmoddir', opts.moduleDir ?? DEBIAN_MODULES],
          ['astvarlibdir', dirs.lib],
          ['astdbdir', dirs.lib],
          ['astkeydir', dirs.lib],
          ['astdatadir', DEBIAN_DATA],
          ['astagidir', `${DEBIAN_DATA}/agi-bin`],
          ['astspooldir', dirs.spool],
          ['astrundir', dirs.run],
          ['astlogdir', dirs.log],
          ['astsbindir', '/usr/sbin'],
        ],
      },
      {
        name: 'options',
        entries: [
          ['systemname', a.instance],
          ['defaultlanguage', config.company.language],
          ['runuser', 'asterisk'],
          ['rungroup', 'asterisk'],
          ['highpriority', false],
          ['hideconnect', true],
        ],
      },
    ]),
    'modules.conf': renderModules(),
    'logger.conf': renderConf('Logging', [
      { name: 'general', entries: [['dateformat', '%F %T.%3q']] },
      {
        name: 'logfiles',
        entries: [
          ['messages.log', 'notice,warning,error'],
          ['console', 'warning,error'],
        ],
      },
    ]),
    // Relais records every call step itself, in PostgreSQL.
    'cdr.conf': renderConf('Call detail records, disabled', [{ name: 'general', entries: [['enable', false]] }]),
    // AMI is not used: ARI is Relais' only control channel, so nothing else listens.
    'manager.conf': renderConf('AMI, disabled', [{ name: 'general', entries: [['enabled', false]] }]),
    'http.conf': renderConf('HTTP server: ARI and the SIP WebSocket for browser phones', [
      {
        name: 'general',
        entries: [
          ['enabled', true],
          ['bindaddr', a.httpBind],
          ['bindport', a.httpPort],
          ['servername', 'Relais'],
          // Above Relais' ARI pool (ari-http.ts) plus the browser phones' WebSockets.
          ['sessionlimit', 1000],
        ],
      },
    ]),
    'ari.conf': renderConf('ARI: one authenticated user, Relais', [
      {
        name: 'general',
        entries: [
          ['enabled', true],
          ['pretty', false],
        ],
      },
      {
        name: a.ari.username,
        entries: [
          ['type', 'user'],
          ['read_only', false],
          ['password', a.ari.password],
          ['password_format', 'plain'],
        ],
      },
    ]),
    'rtp.conf': renderConf('RTP ports', [
      {
        name: 'general',
        entries: [
          ['rtpstart', a.rtpPorts.from],
          ['rtpend', a.rtpPorts.to],
          ['icesupport', true],
        ],
      },
    ]),
    'musiconhold.conf': renderConf("Music on hold: Debian's opsound collection", [
      { name: 'general', entries: [] },
      {
        name: 'default',
        entries: [
          ['mode', 'files'],
          ['directory', `${DEBIAN_DATA}/moh`],
          ['sort', 'random'],
        ],
      },
    ]),
    'indications.conf': renderConf('Tones callers hear: French ones', [
      { name: 'general', entries: [['country', 'fr']] },
      { name: 'fr', entries: FRENCH_TONES },
    ]),
    'pjsip.conf': renderPjsip(config, opts.extras?.pjsip),
    'extensions.conf': renderDialplan(config, `${dirs.sounds}/apology`, opts.extras?.contexts),
  };
}

// France's tone plan (ITU-T E.180 supplement), the only zone callers of this deployment hear.
const FRENCH_TONES: ConfSection['entries'] = [
  ['description', 'France'],
  ['ringcadence', '1500,3500'],
  ['dial', '440'],
  ['busy', '440/500,0/500'],
  ['ring', '440/1500,0/3500'],
  ['congestion', '440/250,0/250'],
  ['callwaiting', '440/300,0/10000'],
  ['record', '1400/500,0/15000'],
  ['info', '!950/330,!1400/330,!1800/330'],
];

/**
 * Explicit module list instead of Debian's autoload: a smaller attack surface, a faster start,
 * and none of the modules that grab fixed ports or fail in a chroot (iax2, mgcp, skinny, dundi,
 * hep, calendar, stir_shaken, odbc, unbound).
 */
const MODULES = [
  // timing, config storage, crypto
  'res_timing_timerfd',
  'res_websocket_client',
  'res_sorcery_config',
  'res_sorcery_memory',
  'res_sorcery_memory_cache',
  'res_sorcery_astdb',
  'res_crypto',
  'res_srtp',
  // media
  'res_rtp_asterisk',
  'res_musiconhold',
  'res_format_attr_opus',
  'codec_alaw',
  'codec_ulaw',
  'codec_a_mu',
  'codec_gsm',
  'codec_g722',
  'codec_opus_open_source',
  'codec_resample',
  'format_wav',
  'format_gsm',
  'format_pcm',
  'format_sln',
  'format_wav_gsm',
  // SIP
  'res_pjproject',
  'res_pjsip',
  'res_pjsip_session',
  'res_pjsip_sdp_rtp',
  'res_pjsip_authenticator_digest',
  'res_pjsip_outbound_authenticator_digest',
  'res_pjsip_endpoint_identifier_user',
  'res_pjsip_endpoint_identifier_ip',
  'res_pjsip_registrar',
  'res_pjsip_transport_websocket',
  'res_http_websocket',
  'res_pjsip_nat',
  'res_pjsip_caller_id',
  'res_pjsip_rfc3326',
  'res_pjsip_dtmf_info',
  'res_pjsip_acl',
  'res_pjsip_refer',
  'res_pjsip_pubsub',
  'res_pjsip_outbound_publish',
  'res_pjsip_exten_state',
  'res_pjsip_dialog_info_body_generator',
  'res_pjsip_pidf_body_generator',
  'res_pjsip_header_funcs',
  'res_pjsip_diversion',
  'res_pjsip_path',
  'res_pjsip_logger',
  'res_pjsip_dlg_options',
  'res_pjsip_empty_info',
  'chan_pjsip',
  // bridges
  'bridge_simple',
  'bridge_softmix',
  'bridge_native_rtp',
  'bridge_holding',
  'bridge_builtin_features',
  'bridge_builtin_interval_features',
  'chan_bridge_media',
  // ARI / Stasis
  'res_stasis',
  'res_stasis_answer',
  'res_stasis_playback',
  'res_stasis_recording',
  'res_stasis_snoop',
  'res_stasis_device_state',
  'app_stasis',
  'res_ari',
  'res_ari_model',
  'res_ari_applications',
  'res_ari_asterisk',
  'res_ari_bridges',
  'res_ari_channels',
  'res_ari_device_states',
  'res_ari_endpoints',
  'res_ari_events',
  'res_ari_playbacks',
  'res_ari_recordings',
  'res_ari_sounds',
  // dialplan
  'pbx_config',
  'app_dial',
  'app_playback',
  'app_echo',
  'app_read',
  'app_playtones',
  'app_verbose',
  'func_callerid',
  'func_channel',
  'func_strings',
  'func_logic',
  'func_cut',
  'func_hangupcause',
  'func_pjsip_endpoint',
  'func_pjsip_contact',
  'func_pjsip_aor',
];

function renderModules(): string {
  return renderConf('Modules Relais uses, and only those', [
    { name: 'modules', entries: [['autoload', false], ...MODULES.map((m) => ['load', `${m}.so`] as const)] },
  ]);
}
