/** What Relais itself says in a conversation, in French (the visitor and the agent read it). */
export const chatTexts = {
  agentJoined: (name: string) => `${name} a rejoint la conversation.`,
  endedByAgent: 'La conversation a été close par notre conseiller. Merci de nous avoir contactés !',
  endedByVisitor: 'Vous avez mis fin à la conversation. Merci de nous avoir contactés !',
  transferredToTeam: (team: string) => `Votre conversation est transmise au ${team} : un conseiller va vous répondre.`,
  transferredToAgent: (name: string) => `Votre conversation est transmise à ${name}, qui va vous répondre.`,
  ticketSubject: (who: string) => `Conversation sur le chat avec ${who}`,
  offlineSubject: (site: string) => `Message laissé sur le chat (${site})`,
};
