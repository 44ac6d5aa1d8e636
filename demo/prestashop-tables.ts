/**
 * The demo's shop data as PrestaShop 8's tables hold it (demo/seed.ts → rows), for the
 * webservice stand-in (fake-prestashop.ts): every field a string but "id", empty optional columns
 * NULL, the fields of each resource in the order PrestaShop renders them.
 */
import { createHash } from 'node:crypto';
import { shopGroups, type SeedCustomer } from './seed.ts';

export type Row = Record<string, unknown>;

export const NEVER = '0000-00-00 00:00:00';
const words = (s: string) => s.trim().split(/\s+/);

/** A seed customer; the optional flags let tests cover soft-deleted, blocked and guest accounts. */
export type FakeShopCustomer = Omit<SeedCustomer, 'addresses'> & {
  deleted?: boolean;
  active?: boolean;
  isGuest?: boolean;
  addresses: (SeedCustomer['addresses'][number] & { deleted?: boolean })[];
};

// Fields in the order PrestaShop 8 renders them: id, the class's webservice fields, then its definition's.
export const FIELDS: Record<string, string[]> = {
  customers: words(`id id_default_group id_lang newsletter_date_add ip_registration_newsletter last_passwd_gen secure_key deleted
    passwd lastname firstname email id_gender birthday newsletter optin website company siret ape outstanding_allow_amount
    show_public_prices id_risk max_payment_days active note is_guest id_shop id_shop_group date_add date_upd reset_password_token
    reset_password_validity`),
  addresses: words(`id id_customer id_manufacturer id_supplier id_warehouse id_country id_state alias company lastname firstname
    vat_number address1 address2 postcode city other phone phone_mobile dni deleted date_add date_upd`),
  orders: words(`id id_address_delivery id_address_invoice id_cart id_currency id_lang id_customer id_carrier current_state module
    invoice_number invoice_date delivery_number delivery_date valid date_add date_upd shipping_number id_shop_group id_shop secure_key
    payment recyclable gift gift_message mobile_theme total_discounts total_discounts_tax_incl total_discounts_tax_excl total_paid
    total_paid_tax_incl total_paid_tax_excl total_paid_real total_products total_products_wt total_shipping total_shipping_tax_incl
    total_shipping_tax_excl carrier_tax_rate total_wrapping total_wrapping_tax_incl total_wrapping_tax_excl round_mode round_type
    conversion_rate reference`),
  groups: words('id reduction price_display_method show_prices date_add date_upd name'),
};

/** The seed as PrestaShop's tables hold it: every field a string but "id"; empty optional columns NULL. */
export function buildTables(customers: FakeShopCustomer[]): Record<string, Row[]> {
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  const flag = (b: boolean | undefined) => (b ? '1' : '0');
  const entity = (resource: string, values: Row, associations?: Row): Row => ({
    ...Object.fromEntries(FIELDS[resource]!.map((f) => [f, values[f] ?? null])),
    ...(associations ? { associations } : {}),
  });
  const addresses: Row[] = [];
  const orders: Row[] = [];
  const rows = customers.map((c) => {
    const who = { id_customer: String(c.id), lastname: c.lastname, firstname: c.firstname, date_add: c.dateAdd, date_upd: c.dateAdd };
    const mine = c.addresses.map((a) => {
      const row = { ...who, ...ADDRESS, id: addresses.length + 1, id_country: COUNTRIES[a.country] ?? '21', alias: a.alias };
      const where = { address1: a.address1, postcode: a.postcode, city: a.city, phone: a.phone, phone_mobile: a.phoneMobile };
      addresses.push(entity('addresses', { ...row, ...where, deleted: flag(a.deleted) }));
      return String(row.id);
    });
    for (const o of c.orders) {
      const net = (Number(o.totalPaid) / 1.2).toFixed(6);
      const ids = { id: o.id, id_customer: String(c.id), id_address_delivery: mine[0] ?? '0', id_address_invoice: mine[0] ?? '0' };
      const what = { id_cart: String(o.id), current_state: String(o.state), payment: o.payment, reference: o.reference };
      const when = { date_add: o.dateAdd, date_upd: o.dateAdd, valid: flag([2, 4, 5].includes(o.state)), secure_key: md5(c.email) };
      const paid = Object.fromEntries(
        ['total_paid', 'total_paid_tax_incl', 'total_paid_real', 'total_products_wt'].map((f) => [f, o.totalPaid]),
      );
      const module = o.payment === 'PayPal' ? 'paypal' : o.payment.startsWith('Virement') ? 'ps_wirepayment' : 'ps_checkout';
      const row = { ...ORDER, ...ids, ...what, ...when, ...paid, module, total_paid_tax_excl: net, total_products: net };
      const line = { id: String(o.id * 10), ...ORDER_ROW, product_price: net, unit_price_tax_incl: o.totalPaid, unit_price_tax_excl: net };
      orders.push(entity('orders', row, { order_rows: [line] }));
    }
    const account = { id: c.id, id_default_group: String(c.groups[0] ?? 3), email: c.email, company: c.company || null };
    const state = { deleted: flag(c.deleted), active: flag(c.active !== false), is_guest: flag(c.isGuest), last_passwd_gen: c.dateAdd };
    const secrets = { secure_key: md5(c.email), passwd: `$2y$10$${md5(`${c.email}${c.id}`)}` };
    // customer_group rows come in primary-key order: the default group is id_default_group, not the first one.
    const groups = [...c.groups].sort((a, b) => a - b).map((g) => ({ id: String(g) }));
    return entity('customers', { ...CUSTOMER, ...who, ...account, ...state, ...secrets }, { groups });
  });
  const since = { date_add: '2023-01-01 00:00:00', date_upd: '2023-01-01 00:00:00' };
  const groups = shopGroups.map((g) => entity('groups', { ...GROUP, ...since, id: g.id, name: g.name }));
  return { customers: rows, addresses, orders: orders.sort((a, b) => Number(a.id) - Number(b.id)), groups };
}

// PrestaShop's default country ids (France 8, Belgium 3; Switzerland 21 for the rest).
const COUNTRIES: Record<string, string> = { FR: '8', BE: '3' };
const ADDRESS: Row = { id_manufacturer: '0', id_supplier: '0', id_warehouse: '0', id_state: '0', company: '', deleted: '0' };
const CUSTOMER: Row = {
  ...{ id_lang: '1', newsletter_date_add: NEVER, id_gender: '0', birthday: '0000-00-00', newsletter: '0', optin: '0' },
  ...{ outstanding_allow_amount: '0.000000', show_public_prices: '0', id_risk: '0', max_payment_days: '0', id_shop: '1' },
  ...{ id_shop_group: '1', reset_password_validity: NEVER },
};
const ORDER: Row = {
  ...{ id_currency: '1', id_lang: '1', id_carrier: '1', invoice_number: '0', invoice_date: NEVER, delivery_number: '0' },
  ...{ delivery_date: NEVER, shipping_number: '', id_shop_group: '1', id_shop: '1', recyclable: '0', gift: '0', gift_message: '' },
  ...{ mobile_theme: '0', carrier_tax_rate: '0.000', round_mode: '2', round_type: '2', conversion_rate: '1.000000' },
  ...Object.fromEntries(FIELDS.orders!.filter((f) => /^total_(discounts|shipping|wrapping)/.test(f)).map((f) => [f, '0.000000'])),
};
const ORDER_ROW: Row = {
  ...{ product_id: '1', product_attribute_id: '0', product_quantity: '1', product_name: 'Seedbox', product_reference: 'SEEDBOX' },
  ...{ product_ean13: '', product_isbn: '', product_upc: '', id_customization: '0' },
};
const GROUP: Row = { reduction: '0.00', price_display_method: '0', show_prices: '1' };
