/** Readable run names (`adjective-noun-NNN`), generated client-side as MLflow's client does. */

const ADJECTIVES = (
  'able amber bold brave bright calm clever crisp daring eager fair fleet gentle glad grand honest ' +
  'jolly keen kind lively lucid merry mellow nimble noble plucky polite proud quick quiet rare ' +
  'rustic shy silent sleek smooth spry steady sunny swift tidy upbeat valiant vivid warm wise witty zesty'
).split(' ');

const NOUNS = (
  'ant bass bat bear bird boar carp cat colt crab crane crow deer doe dove duck eel elk finch fish ' +
  'foal fox frog goat gull hare hawk hen horse jay kit koala lamb lark lynx mole moth mouse newt owl ' +
  'panda perch pig pony puma quail ram robin seal shark sheep skunk sloth snail snake squid stag swan ' +
  'toad trout whale wolf worm wren yak zebra'
).split(' ');

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)] as T;
}

/**
 * A fresh readable run name such as `brave-owl-417`.
 *
 * @example
 * const name = generateRunName();
 */
export function generateRunName(): string {
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${Math.floor(Math.random() * 1000)}`;
}
