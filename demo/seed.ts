/**
 * ISeedOr's demo customers, as its shop (PrestaShop) and helpdesk (osTicket) hold them. The demo
 * and the tests start the local stand-ins for both services (demo/fake-prestashop.ts,
 * demo/fake-osticket.ts) with this data, so a demo caller from one of these numbers is named.
 * Phones are written as customers typed them in their addresses, in varied formats on purpose.
 */

/** PrestaShop's stock groups, and the one ISeedOr created for its premium seedbox offer. */
export const shopGroups = [
  { id: 1, name: 'Visiteur' },
  { id: 2, name: 'Invité' },
  { id: 3, name: 'Client' },
  { id: 4, name: 'Premium' },
] as const;

export interface SeedCustomer {
  id: number;
  firstname: string;
  lastname: string;
  email: string;
  company: string;
  /** Group ids; the first is the default group. */
  groups: number[];
  dateAdd: string;
  addresses: { alias: string; address1: string; postcode: string; city: string; country: string; phone: string; phoneMobile: string }[];
  orders: { id: number; reference: string; dateAdd: string; totalPaid: string; payment: string; state: number }[];
  tickets: { number: string; subject: string; status: 'Open' | 'Resolved' | 'Closed'; created: string; updated: string; topic: string }[];
}

/** PrestaShop 8's stock order states used below. */
export const orderStates = { 2: 'Paiement accepté', 4: 'Expédié', 5: 'Livré', 6: 'Annulé' } as const;

export const seedCustomers: SeedCustomer[] = [
  {
    id: 1,
    firstname: 'Marie',
    lastname: 'Dupont',
    email: 'marie.dupont@example.fr',
    company: '',
    groups: [4, 3],
    dateAdd: '2024-03-12 10:15:00',
    addresses: [
      {
        alias: 'Domicile',
        address1: '12 rue des Lilas',
        postcode: '69003',
        city: 'Lyon',
        country: 'FR',
        phone: '',
        phoneMobile: '06 12 34 56 78',
      },
    ],
    orders: [
      { id: 101, reference: 'XKBKNABJK', dateAdd: '2026-09-02 14:03:11', totalPaid: '29.990000', payment: 'Carte bancaire', state: 2 },
      { id: 87, reference: 'QWERTYUIO', dateAdd: '2026-03-02 09:41:52', totalPaid: '29.990000', payment: 'Carte bancaire', state: 5 },
    ],
    tickets: [
      {
        number: '482913',
        subject: 'Seedbox lente depuis hier soir',
        status: 'Open',
        created: '2026-11-20 18:22:04',
        updated: '2026-11-21 09:10:40',
        topic: 'Support technique',
      },
    ],
  },
  {
    id: 2,
    firstname: 'Julien',
    lastname: 'Martin',
    email: 'julien.martin@example.fr',
    company: '',
    groups: [3],
    dateAdd: '2025-01-08 16:40:00',
    addresses: [
      {
        alias: 'Bureau',
        address1: '8 avenue Jean Jaurès',
        postcode: '75019',
        city: 'Paris',
        country: 'FR',
        phone: '01.42.68.53.00',
        phoneMobile: '',
      },
    ],
    orders: [{ id: 95, reference: 'PLMOKNIJB', dateAdd: '2026-06-18 11:02:37', totalPaid: '9.990000', payment: 'PayPal', state: 5 }],
    tickets: [
      {
        number: '310527',
        subject: 'Facture de juin introuvable',
        status: 'Closed',
        created: '2026-07-01 08:30:00',
        updated: '2026-07-02 15:12:09',
        topic: 'Facturation',
      },
    ],
  },
  {
    id: 3,
    firstname: 'Sophie',
    lastname: 'Bernard',
    email: 'sophie.bernard@example.fr',
    company: 'Bernard Hébergement',
    groups: [4, 3],
    dateAdd: '2023-11-30 09:00:00',
    addresses: [
      {
        alias: 'Société',
        address1: '3 quai de la Fosse',
        postcode: '44000',
        city: 'Nantes',
        country: 'FR',
        phone: '+33 2 40 12 34 56',
        phoneMobile: '0698765432',
      },
    ],
    orders: [
      { id: 99, reference: 'ZAQSWXCDE', dateAdd: '2026-08-14 17:25:03', totalPaid: '119.880000', payment: 'Virement bancaire', state: 2 },
    ],
    tickets: [
      {
        number: '517204',
        subject: 'Migration vers une seedbox plus grande',
        status: 'Resolved',
        created: '2026-10-03 10:02:55',
        updated: '2026-10-05 16:47:21',
        topic: 'Ventes',
      },
    ],
  },
  {
    id: 4,
    firstname: 'Thomas',
    lastname: 'Petit',
    email: 'thomas.petit@example.be',
    company: '',
    groups: [3],
    dateAdd: '2026-02-20 20:12:00',
    addresses: [
      {
        alias: 'Maison',
        address1: 'Rue Neuve 21',
        postcode: '1000',
        city: 'Bruxelles',
        country: 'BE',
        phone: '',
        phoneMobile: '+32 470 12 34 56',
      },
    ],
    orders: [],
    tickets: [],
  },
  {
    id: 5,
    firstname: 'Camille',
    lastname: 'Leroy',
    email: 'camille.leroy@example.fr',
    company: '',
    groups: [3],
    dateAdd: '2026-05-05 13:37:00',
    addresses: [],
    orders: [
      { id: 97, reference: 'MNBVCXWQA', dateAdd: '2026-07-21 19:54:44', totalPaid: '9.990000', payment: 'Carte bancaire', state: 6 },
    ],
    tickets: [
      {
        number: '604118',
        subject: 'Remboursement de ma commande annulée',
        status: 'Open',
        created: '2026-07-22 09:15:00',
        updated: '2026-07-22 09:15:00',
        topic: 'Ventes',
      },
    ],
  },
];
