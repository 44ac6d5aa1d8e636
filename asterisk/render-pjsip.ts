/** pjsip.conf: transports, the ISP trunk (identified by address) and every staff member's phones. */
import type { Config } from '../config/load.ts';
import { renderConf, type ConfSection } from './conf-file.ts';
import { CONTEXT_STAFF, CONTEXT_TRUNK, TRUNK_ENDPOINT, staffEndpoints } from './endpoints.ts';

export function renderPjsip(config: Config, extra: readonly ConfSection[] = []): string {
  const a = config.asterisk;
  const nat: ConfSection['entries'] = a.externalAddress
    ? [
        ['external_media_address', a.externalAddress],
        ['external_signaling_address', a.externalAddress],
      ]
    : [];
  const sections: ConfSection[] = [
    {
      name: 'global',
      // Staff phones are found by their username first; whatever is left and comes from the
      // ISP's addresses is the trunk. Without this order an `identify` on a shared address
      // (loopback in the demo, a NAT in production) would swallow staff phones.
      entries: [
        ['type', 'global'],
        ['endpoint_identifier_order', 'username,ip'],
        ['user_agent', 'Relais'],
      ],
    },
    { name: 'transport-udp', entries: [['type', 'transport'], ['protocol', 'udp'], ['bind', `${a.sipBind}:${a.sipPort}`], ...nat] },
    // The WebSocket transport rides on Asterisk's HTTP server (http.conf); its bind is unused.
    {
      name: 'transport-ws',
      entries: [
        ['type', 'transport'],
        ['protocol', 'ws'],
        ['bind', '0.0.0.0'],
      ],
    },
    ...trunk(config),
    ...Object.entries(config.staff).flatMap(([id, s]) => staffPhones(id, s.name, s.extension, s.sipPassword)),
    ...extra,
  ];
  return renderConf('SIP endpoints', sections);
}

/** An endpoint that takes calls like the ISP trunk: no authentication, the trunk's codecs. */
export function trunkLikeEndpoint(config: Config, name: string, context: string): ConfSection {
  return {
    name,
    entries: [
      ['type', 'endpoint'],
      ['context', context],
      ['disallow', 'all'],
      ...config.trunk.codecs.map((c) => ['allow', c] as const),
      ['direct_media', false],
      ['rtp_symmetric', true],
      ['dtmf_mode', 'rfc4733'],
      ['language', config.company.language],
    ],
  };
}

function trunk(config: Config): ConfSection[] {
  return [
    {
      ...trunkLikeEndpoint(config, TRUNK_ENDPOINT, CONTEXT_TRUNK),
      comment: 'The ISP: no authentication, no registration; recognised by its addresses below.',
    },
    {
      name: `${TRUNK_ENDPOINT}-identify`,
      entries: [['type', 'identify'], ['endpoint', TRUNK_ENDPOINT], ...config.trunk.match.map((m) => ['match', m] as const)],
    },
  ];
}

function staffPhones(id: string, name: string, extension: string, password: string): ConfSection[] {
  const { phone, browser } = staffEndpoints(id);
  const common = [
    ['type', 'endpoint'],
    ['context', CONTEXT_STAFF],
    ['callerid', `"${name.replace(/"/g, '')}" <${extension}>`],
    ['language', 'fr'],
    ['direct_media', false],
    ['disallow', 'all'],
  ] as const;
  const device = (endpoint: string, comment: string, media: ConfSection['entries']): ConfSection[] => [
    { name: endpoint, comment, entries: [...common, ['auth', endpoint], ['aors', endpoint], ...media] },
    {
      name: endpoint,
      entries: [
        ['type', 'auth'],
        ['auth_type', 'digest'],
        ['username', endpoint],
        ['password', password],
      ],
    },
    // Several registrations per device (desk phone and mobile softphone): all of them ring.
    {
      name: endpoint,
      entries: [
        ['type', 'aor'],
        ['max_contacts', 5],
        ['remove_existing', true],
        ['qualify_frequency', 30],
      ],
    },
  ];
  return [
    ...device(phone, `${name}: desk phone or softphone over UDP`, [
      ['allow', 'g722'],
      ['allow', 'alaw'],
      ['allow', 'ulaw'],
      ['allow', 'opus'],
      ['rtp_symmetric', true],
      ['force_rport', true],
      ['rewrite_contact', true],
      ['dtmf_mode', 'rfc4733'],
    ]),
    ...device(browser, `${name}: browser phone over WebSocket (WebRTC)`, [
      ['allow', 'opus'],
      ['allow', 'ulaw'],
      ['webrtc', true],
      ['dtls_auto_generate_cert', true],
    ]),
  ];
}
