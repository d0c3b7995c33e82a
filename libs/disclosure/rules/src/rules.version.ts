// Bumped whenever a rule's judgement can change, so a verdict records which rules made it.
export const RULES_VERSION = '0.9.0';
