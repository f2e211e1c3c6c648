import { TargetError } from './target.js';

const PLACEHOLDER = /\{(app|version|port|weight|stage|key)\}/g;

/**
 * Substitutes {app}, {version}, {port}, {weight}, {stage} and {key} in each argument. Other
 * braces are left alone (arguments may be JSON). A placeholder without a value for this operation
 * is an error naming the configuration path, rather than a command run with a hole in it.
 */
export function fillArgs(
  argv: readonly string[],
  values: Partial<Record<'app' | 'version' | 'port' | 'weight' | 'stage' | 'key', string>>,
  where: string,
): string[] {
  return argv.map((arg, i) =>
    arg.replace(PLACEHOLDER, (placeholder, name: keyof typeof values) => {
      const value = values[name];
      if (value === undefined) {
        throw new TargetError(
          `${where}[${i}] uses ${placeholder}, which has no value for this operation`,
          false,
        );
      }
      return value;
    }),
  );
}
