/** This machine as the registries name platforms (`linux-x64`, `darwin-arm64`, …). */
export function platformKey(): string {
  return `${process.platform}-${process.arch}`;
}
