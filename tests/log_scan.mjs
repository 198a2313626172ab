// The secret scan over a whole test run's logs (issue 16): every line that
// the processes started by tests/integration/harness.mjs wrote (files under
// AISBF_TEST_LOG_DIR) is searched for every secret the tests configured
// (secrets.txt there). Any hit fails, naming the file and line with the
// secret masked. `--clear` empties the directory instead (the run's setup).
import fs from 'node:fs';
import path from 'node:path';

const dir = process.env.AISBF_TEST_LOG_DIR;
if (!dir) {
  console.error('AISBF_TEST_LOG_DIR is not set');
  process.exit(2);
}
if (process.argv.includes('--clear')) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  console.log(`cleared ${dir}`);
  process.exit(0);
}
const secretsFile = path.join(dir, 'secrets.txt');
const secrets = fs.existsSync(secretsFile)
  ? [...new Set(fs.readFileSync(secretsFile, 'utf8').split('\n').filter((s) => s.length >= 8))]
  : [];
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.log')).sort() : [];
const mask = (s) => `${s.slice(0, 2)}…(${s.length} chars)`;
let lines = 0;
let hits = 0;
let banners = 0;
// By design (DESIGN §6), the first start prints the generated admin password
// once, on its own line after "created the admin user … with the password":
// that line is the one place a secret may appear.
const isBanner = (all, i) => all.slice(Math.max(0, i - 3), i).some((l) => /created the admin user .* with the password/.test(l)) &&
  all[i].trim().length > 0 && !all[i].trim().includes(' ');
for (const file of files) {
  const text = fs.readFileSync(path.join(dir, file), 'utf8');
  const all = text.split('\n');
  all.forEach((line, i) => {
    lines += 1;
    for (const secret of secrets) {
      if (!line.includes(secret)) continue;
      if (line.trim() === secret && isBanner(all, i)) {
        banners += 1;
        continue;
      }
      hits += 1;
      if (hits <= 50) console.error(`${file}:${i + 1}: secret ${mask(secret)}: ${line.split(secret).join('***').slice(0, 300)}`);
    }
  });
}
console.log(`${files.length} log files, ${lines} lines, ${secrets.length} secrets: ${hits} hits` +
  ` (${banners} first-admin password banners, printed once by design)`);
process.exit(hits === 0 ? 0 : 1);
