/**
 * The demo's stand-ins for ISeedOr's shop and helpdesk, started by `npm start` where the demo
 * configuration expects them (customers.prestashop.url, customers.osticket.url), with the keys it
 * holds and the demo customers of demo/seed.ts. A real deployment points the configuration at the
 * real PrestaShop and osTicket and starts none of this.
 */
import type { Config } from '../config/load.ts';
import { startFakeOsticket, type FakeOsticket } from './fake-osticket.ts';
import { startFakePrestashop, type FakePrestashop } from './fake-prestashop.ts';
import { seedCustomers } from './seed.ts';

export interface DemoServices {
  /** One line per service, for the banner. */
  describe(): string[];
  close(): Promise<void>;
}

export async function startDemoServices(config: Config): Promise<DemoServices> {
  const c = config.customers;
  const started: (FakePrestashop | FakeOsticket)[] = [];
  const lines: string[] = [];
  try {
    if (c.prestashop) {
      const at = new URL(c.prestashop.url);
      started.push(await startFakePrestashop({ host: at.hostname, port: Number(at.port), key: c.prestashop.key }));
      lines.push(`  Shop (stand-in): ${c.prestashop.url}/api/ (PrestaShop webservice, ${seedCustomers.length} demo customers)`);
    }
    if (c.osticket) {
      const at = new URL(c.osticket.url);
      started.push(
        await startFakeOsticket({
          host: at.hostname,
          port: Number(at.port),
          apiKey: c.osticket.apiKey,
          database: { url: c.osticket.database.url, tablePrefix: c.osticket.database.tablePrefix },
        }),
      );
      lines.push(`  Helpdesk (stand-in): ${c.osticket.url}/api/tickets.json (osTicket API; tickets in MariaDB)`);
    }
  } catch (err) {
    await Promise.all(started.map((s) => s.close()));
    throw new Error(`the demo's shop or helpdesk stand-in did not start: ${(err as Error).message}`, { cause: err });
  }
  return {
    describe: () => lines,
    close: async () => void (await Promise.all(started.map((s) => s.close()))),
  };
}
