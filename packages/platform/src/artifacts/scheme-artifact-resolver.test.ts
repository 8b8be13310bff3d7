import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { MlflowError } from '@keel/contract';
import { ArtifactLocationPolicy } from './artifact-location-policy.js';
import type { ArtifactRepository, ArtifactRepositoryFactory } from './artifact-repository.js';
import { LocalArtifactRepository } from './local-artifact-repository.js';
import { createArtifactResolver } from './scheme-artifact-resolver.js';
import { proxiedArtifactPath } from './uri.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-resolver-'));
after(() => rmSync(dir, { recursive: true, force: true }));
// The whole temporary directory is artifact storage here; containment has its own tests.
const locations = new ArtifactLocationPolicy({ roots: [dir], allowLocalLocations: false, cwd: dir });

async function text(repo: ArtifactRepository, path: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of (await repo.read(path)).stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('proxiedArtifactPath', () => {
  it('extracts the destination path of proxied URIs only', () => {
    assert.equal(proxiedArtifactPath('mlflow-artifacts:/3/abc/artifacts'), '3/abc/artifacts');
    assert.equal(proxiedArtifactPath('mlflow-artifacts://host:5000/3/abc'), '3/abc');
    assert.equal(proxiedArtifactPath('mlflow-artifacts:/'), '');
    assert.equal(proxiedArtifactPath('MLFLOW-ARTIFACTS:/x'), 'x');
    assert.equal(proxiedArtifactPath('https://h/base/api/2.0/mlflow-artifacts/artifacts/3/r?x=1'), '3/r');
    assert.equal(proxiedArtifactPath('http://h/api/2.0/mlflow-artifacts/artifacts'), '');
    assert.equal(proxiedArtifactPath('http://h/api/2.0/mlflow-artifacts/artifactsX/3'), undefined);
    assert.equal(proxiedArtifactPath('http://h/other/3'), undefined);
    assert.equal(proxiedArtifactPath('s3://bucket/x'), undefined);
    assert.equal(proxiedArtifactPath('/local/path'), undefined);
  });
});

describe('createArtifactResolver', () => {
  it('maps proxied URIs into the destination, as views rooted at the URI', async () => {
    const destination = join(dir, 'dest');
    const resolver = await createArtifactResolver({ proxyDestination: destination, locations });
    const run = await resolver.repositoryFor('mlflow-artifacts:/1/run/artifacts');
    assert.equal(run.rootUri, 'mlflow-artifacts:/1/run/artifacts');
    await run.write('model/MLmodel', Readable.from(['flavors: {}']));
    assert.deepEqual(await run.list(), [{ path: 'model', is_dir: true }]);
    assert.deepEqual(await run.list('model'), [{ path: 'model/MLmodel', is_dir: false, file_size: 11 }]);
    const viaHttp = await resolver.repositoryFor('http://h:5000/api/2.0/mlflow-artifacts/artifacts/1/run/artifacts');
    assert.equal(await text(viaHttp, 'model/MLmodel'), 'flavors: {}');
    assert.equal(
      await text(resolver.proxyRepository as ArtifactRepository, '1/run/artifacts/model/MLmodel'),
      'flavors: {}',
    );
  });

  it('refuses proxied roots that would leave the destination', async () => {
    const resolver = await createArtifactResolver({ proxyDestination: join(dir, 'dest'), locations });
    for (const uri of [
      'mlflow-artifacts:/../../etc',
      'mlflow-artifacts:/1/%2e%2e/%2e%2e/x',
      'mlflow-artifacts:/a\\..\\b',
    ]) {
      await assert.rejects(
        resolver.repositoryFor(uri),
        (e: unknown) => e instanceof MlflowError && e.message === 'Invalid path',
      );
    }
  });

  it('opens plain paths and file: URIs on local disk', async () => {
    const resolver = await createArtifactResolver({ proxyDestination: undefined, locations });
    const root = join(dir, 'plain');
    const plain = await resolver.repositoryFor(root);
    await plain.write('a.txt', Readable.from(['a']));
    const viaFile = await resolver.repositoryFor(pathToFileURL(root).href);
    assert.equal(await text(viaFile, 'a.txt'), 'a');
    assert.equal(viaFile.rootUri, pathToFileURL(root).href);
  });

  it('refuses plain paths and file: URIs outside the roots, and relative paths', async () => {
    const resolver = await createArtifactResolver({ proxyDestination: undefined, locations });
    for (const uri of ['/etc', 'file:///etc', '/', tmpdir()]) {
      await assert.rejects(
        resolver.repositoryFor(uri),
        (e: unknown) => e instanceof MlflowError && e.code === 'PERMISSION_DENIED',
        uri,
      );
    }
    await assert.rejects(
      resolver.repositoryFor('dummy-source'),
      (e: unknown) => e instanceof MlflowError && e.code === 'RESOURCE_DOES_NOT_EXIST',
    );
  });

  it('leaves local storage to the location policy', async () => {
    const local: ArtifactRepositoryFactory = (uri) => LocalArtifactRepository.fromUri(uri, dir);
    await assert.rejects(
      createArtifactResolver({ proxyDestination: undefined, locations, factories: new Map([['file', local]]) }),
      /opened by the location policy/,
    );
  });

  it('names the known schemes for an unknown one', async () => {
    const resolver = await createArtifactResolver({ proxyDestination: undefined, locations });
    await assert.rejects(
      resolver.repositoryFor('s3://bucket/prefix'),
      (e: unknown) =>
        e instanceof MlflowError &&
        e.code === 'INVALID_PARAMETER_VALUE' &&
        e.message.includes("scheme 's3'") &&
        e.message.includes('Known schemes: (plain path), file, http, https, mlflow-artifacts'),
    );
  });

  it('explains that proxied URIs need the proxy when artifacts are not served', async () => {
    const resolver = await createArtifactResolver({ proxyDestination: undefined, locations });
    assert.equal(resolver.proxyRepository, undefined);
    await assert.rejects(resolver.repositoryFor('mlflow-artifacts:/1/x'), /does not serve artifacts/);
  });

  it('loads a driver only when its scheme is used', async () => {
    let loads = 0;
    const lazy: ArtifactRepositoryFactory = async (uri) => {
      loads++;
      return LocalArtifactRepository.fromUri(uri.replace(/^lazy:/, ''), dir);
    };
    const resolver = await createArtifactResolver({
      proxyDestination: undefined,
      locations,
      factories: new Map([['lazy', lazy]]),
    });
    assert.equal(loads, 0);
    await resolver.repositoryFor('lazy:some/dir');
    assert.equal(loads, 1);
  });
});
