// Debian's nginx as a reverse proxy in front of aisbf, on loopback, in a
// temp dir of its own (config, pid, logs, temp files), stopped by the test.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { closedPort, delay, spawnProc, tmpDir } from './common.mjs';

export const NGINX = '/usr/sbin/nginx';

function listening(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

// `server`: the body of nginx's `server {}` block (its listen line is
// added). Resolves { url, port, dir, stop() }.
export async function startNginx(server, { timeoutMs = 15000 } = {}) {
  const dir = tmpDir('aisbf-nginx-');
  for (let attempt = 0; ; attempt++) {
    const port = await closedPort();
    const conf = path.join(dir, 'nginx.conf');
    fs.writeFileSync(conf, `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
${server}
  }
}
`);
    const proc = spawnProc('nginx', NGINX, ['-e', `${dir}/error.log`, '-p', dir, '-c', conf]);
    const deadline = Date.now() + timeoutMs;
    let up = false;
    while (!up && Date.now() < deadline && proc.running) {
      up = await listening(port);
      if (!up) await delay(50);
    }
    if (up) {
      return { url: `http://127.0.0.1:${port}`, port, dir, stop: () => proc.stop() };
    }
    await proc.stop();
    const log = fs.existsSync(`${dir}/error.log`) ? fs.readFileSync(`${dir}/error.log`, 'utf8') : '';
    // The port was taken meanwhile: once more on another.
    if (attempt < 2 && /Address already in use/.test(log)) continue;
    throw new Error(`nginx did not start listening on ${port}:\n${log}\n${proc.output()}`);
  }
}
