// `npm run bench`: prints performance figures. Nothing here is asserted by `npm test`.
// Each section lives in scripts/bench/<name>.ts and exports `run(): Promise<void>`.
const sections = process.argv.slice(2);
const all = ["bundle", "foundation", "reads", "ai", "deployments", "build", "sync", "notifications", "billing"];

for (const name of sections.length ? sections : all) {
  let mod: { run(): Promise<void> };
  try {
    mod = await import(`./bench/${name}.ts`);
  } catch (err) {
    console.log(`\n## ${name}: not available (${(err as Error).message})`);
    continue;
  }
  console.log(`\n## ${name}`);
  await mod.run();
}
process.exit(0);
export {};
