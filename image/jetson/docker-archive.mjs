// Lays out a one-layer docker-archive (what `docker save` writes and `docker load` reads, Docker 1.10
// and later): <layer sha256>/layer.tar, <config sha256>.json, manifest.json. Written by hand so the
// image builds without a Docker engine; the Jetson's Docker 20.10 loads docker-archives (it predates
// `docker load` of OCI layouts).
//
//   node image/jetson/docker-archive.mjs --layer LAYER.tar --dir OUTDIR --tag NAME:TAG --uid N
//        --created EPOCH_SECONDS --version V --revision R
// The layer file is moved into OUTDIR. Prints the image id (sha256 of the config).
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: {
    layer: { type: 'string' },
    dir: { type: 'string' },
    tag: { type: 'string' },
    uid: { type: 'string' },
    created: { type: 'string' },
    version: { type: 'string' },
    revision: { type: 'string' },
  },
});
for (const key of ['layer', 'dir', 'tag', 'uid', 'created']) if (!a[key]) throw new Error(`docker-archive.mjs: --${key} is required`);

async function sha256File(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

const created = new Date(Number(a.created) * 1000).toISOString();
const layerHex = await sha256File(a.layer);
mkdirSync(path.join(a.dir, layerHex), { recursive: true });
renameSync(a.layer, path.join(a.dir, layerHex, 'layer.tar'));

// The image config (Docker image spec v1.2 = OCI image config): what `docker run` uses by default.
const config = {
  architecture: 'arm64',
  variant: 'v8',
  os: 'linux',
  created,
  author: 'vtlink image/jetson/build-container.sh',
  config: {
    User: `${a.uid}:${a.uid}`,
    Env: [
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'NODE_ENV=production',
      // src/config/state-dir.ts reads STATE_DIRECTORY first (systemd's StateDirectory= variable).
      'STATE_DIRECTORY=/var/lib/vtlink',
    ],
    // `docker run IMAGE` runs the service; `docker run IMAGE track --source demo` any other subcommand.
    Entrypoint: ['/usr/bin/node', '/opt/vtlink/dist/vtlink.mjs'],
    Cmd: ['run'],
    WorkingDir: '/opt/vtlink',
    Volumes: { '/var/lib/vtlink': {} },
    ExposedPorts: { '8080/tcp': {} },
    StopSignal: 'SIGTERM',
    Labels: {
      'org.opencontainers.image.title': 'vtlink',
      'org.opencontainers.image.description': 'vtlink face tracking service (Debian 12 arm64 userland for JetPack 4.6)',
      'org.opencontainers.image.version': a.version ?? '',
      'org.opencontainers.image.revision': a.revision ?? '',
      'org.opencontainers.image.created': created,
    },
  },
  rootfs: { type: 'layers', diff_ids: [`sha256:${layerHex}`] },
  history: [{ created, created_by: 'image/jetson/build-container.sh (mmdebstrap bookworm arm64 minbase + /opt/vtlink + Node 20)' }],
};
const configText = JSON.stringify(config);
const configHex = createHash('sha256').update(configText).digest('hex');
writeFileSync(path.join(a.dir, `${configHex}.json`), configText);
writeFileSync(
  path.join(a.dir, 'manifest.json'),
  JSON.stringify([{ Config: `${configHex}.json`, RepoTags: [a.tag], Layers: [`${layerHex}/layer.tar`] }]),
);
console.log(`image sha256:${configHex} layer sha256:${layerHex}`);
