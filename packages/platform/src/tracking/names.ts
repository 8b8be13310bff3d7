/** Generated identifiers and readable names for runs and logged models. */
import { randomInt, randomUUID } from 'node:crypto';

/** 32 lowercase hex characters, like MLflow's run IDs. */
export function newRunId(): string {
  return randomUUID().replaceAll('-', '');
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
