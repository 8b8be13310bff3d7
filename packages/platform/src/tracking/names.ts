/** Generated identifiers and readable names for runs and logged models. */
import { randomBytes, randomInt } from 'node:crypto';

/**
 * 32 lowercase hex characters, like MLflow's run IDs, laid out as a UUID version 7: the first
 * 48 bits are the creation time in milliseconds, the rest random. Clients see the same opaque
 * format as MLflow's random UUIDs, but new runs sort after older ones, so the tables keyed by run
 * ID grow at their end instead of touching a random page per insert (a write-heavy server
 * writes several times fewer database pages that way).
 */
export function newRunId(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x70; // version 7
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80; // RFC 4122 variant
  return bytes.toString('hex');
}

/** `m-` and 32 lowercase hex characters, like MLflow 3's logged model IDs. */
export function newLoggedModelId(): string {
  return `m-${newRunId()}`;
}

const ADJECTIVES = [
  'able',
  'amber',
  'bold',
  'brave',
  'bright',
  'calm',
  'clever',
  'crisp',
  'daring',
  'eager',
  'fair',
  'fleet',
  'gentle',
  'glad',
  'grand',
  'honest',
  'jolly',
  'keen',
  'kind',
  'lively',
  'lucid',
  'merry',
  'mellow',
  'nimble',
  'noble',
  'plucky',
  'proud',
  'quick',
  'quiet',
  'rare',
  'rustic',
  'sharp',
  'silent',
  'smooth',
  'snappy',
  'solid',
  'steady',
  'sunny',
  'swift',
  'tidy',
  'vast',
  'warm',
  'wise',
  'witty',
  'zesty',
];
const NOUNS = [
  'ant',
  'bass',
  'bear',
  'bee',
  'bird',
  'boar',
  'carp',
  'cat',
  'colt',
  'crab',
  'crane',
  'deer',
  'doe',
  'dove',
  'eel',
  'elk',
  'finch',
  'fox',
  'frog',
  'gnu',
  'goat',
  'hare',
  'hawk',
  'heron',
  'jay',
  'kite',
  'lark',
  'lynx',
  'mole',
  'moth',
  'newt',
  'owl',
  'panda',
  'perch',
  'pike',
  'quail',
  'ram',
  'robin',
  'seal',
  'shrew',
  'slug',
  'snail',
  'sow',
  'stag',
  'swan',
  'toad',
  'trout',
  'vole',
  'wasp',
  'wolf',
  'wren',
  'yak',
];

function pick(words: readonly string[]): string {
  return words[randomInt(words.length)] as string;
}

/** A readable `adjective-noun-NNN` name, at most 20 characters. */
export function generateName(): string {
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${randomInt(1000)}`;
}
