// The secret scan over a whole test run's logs (issue 16): every line that
// the processes started by tests/integration/harness.mjs wrote (files under
// AISBF_TEST_LOG_DIR) is searched for every secret the tests configured
// (secrets.txt there). Any hit fails, naming the file and line with the
// secret masked. `--clear` empties the directory instead (the run's setup)
// and plants a canary: a secret of its own in secrets.txt, logged on purpose
// in canary.log. The scan must find exactly that one hit (proof that it
// reads the files and matches), and fails when it is missing, as it fails
// with no secrets or no log files to check.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const dir = process.env.AISBF_TEST_LOG_DIR;
const CANARY_LOG = 'canary.log';
if (!dir) {
  console.error('AISBF_TEST_LOG_DIR is not set');
  process.exit(2);
}
if (process.argv.includes('--clear')) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const canary = `canary-${crypto.randomBytes(12).toString('hex')}`;
  fs.writeFileSync(path.join(dir, 'secrets.txt'), `${canary}\n`);
  fs.writeFileSync(path.join(dir, CANARY_LOG), `the scan must find this noted secret: ${canary}\n`);
  console.log(`cleared ${dir}, canary planted`);
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
let canaryHits = 0;
let problems = 0;
const problem = (text) => { problems += 1; console.error(text); };
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
      if (file === CANARY_LOG && secret.startsWith('canary-')) {
        canaryHits += 1;
        continue;
      }
      if (line.trim() === secret && isBanner(all, i)) {
        banners += 1;
        continue;
      }
      hits += 1;
      if (hits <= 50) console.error(`${file}:${i + 1}: secret ${mask(secret)}: ${line.split(secret).join('***').slice(0, 300)}`);
    }
  });
}
const noted = secrets.filter((x) => !x.startsWith('canary-')).length;
const logged = files.filter((f) => f !== CANARY_LOG && fs.statSync(path.join(dir, f)).size > 0).length;
if (!fs.existsSync(secretsFile)) problem(`${secretsFile} is missing: was logs.clear run first?`);
else if (noted === 0) problem(`${secretsFile} lists no secret the tests configured: nothing to look for`);
if (logged === 0) problem(`no non-empty log file in ${dir}: nothing to look in`);
if (canaryHits === 1) console.log(`the canary (a noted secret logged on purpose in ${CANARY_LOG}) was found, as expected`);
else problem(`the canary in ${CANARY_LOG} was found ${canaryHits} times, not once: the scan is not matching`);
console.log(`${files.length} log files, ${lines} lines, ${secrets.length} secrets: ${hits} hits` +
  ` (${banners} first-admin password banners, printed once by design)`);
process.exit(hits === 0 && problems === 0 ? 0 : 1);
