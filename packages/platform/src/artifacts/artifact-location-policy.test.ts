import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { MlflowError } from '@keel/contract';
import { ArtifactLocationPolicy } from './artifact-location-policy.js';
import type { ArtifactRepository } from './artifact-repository.js';

const base = mkdtempSync(join(tmpdir(), 'keel-policy-'));
const root = join(base, 'root');
const outside = join(base, 'outside');
mkdirSync(join(root, 'exp'), { recursive: true });
mkdirSync(outside);
writeFileSync(join(outside, 'secret.txt'), 'secret');
writeFileSync(join(root, 'exp', 'inside.txt'), 'inside');
symlinkSync(outside, join(root, 'linked-out'));
symlinkSync(join(outside, 'secret.txt'), join(root, 'exp', 'secret-link.txt'));
after(() => rmSync(base, { recursive: true, force: true }));

const strict = new ArtifactLocationPolicy({ roots: [root], allowLocalLocations: false, cwd: base });
const lenient = new ArtifactLocationPolicy({ roots: [root], allowLocalLocations: true, cwd: base });

function hasCode(code: string) {
  return (error: unknown) => error instanceof MlflowError && error.code === code;
}

async function text(repo: ArtifactRepository, path: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of (await repo.read(path)).stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('ArtifactLocationPolicy.checkNewLocation', () => {
  it('accepts locations inside the roots and storable remote schemes', async () => {
    for (const location of [
      join(root, 'exp'),
      join(root, 'new', 'dir'),
      pathToFileURL(join(root, 'exp')).href,
      'root/exp',
      'mlflow-artifacts:/team/a',
      'mlflow-artifacts://host:5000/team',
      's3://bucket/prefix',
      'http://h/api/2.0/mlflow-artifacts/artifacts/team',
    ]) {
      await strict.checkNewLocation(location, 'experiment');
    }
    for (const source of ['runs:/abc/model', 'models:/iris/1', 'https://h/model.tar.gz', 's3://b/m']) {
      await strict.checkNewLocation(source, 'model-version-source');
    }
  });

  it('refuses local directories outside the roots unless the operator allowed them', async () => {
    for (const location of [outside, pathToFileURL(outside).href, '/', '/etc', 'elsewhere', join(root, 'linked-out')]) {
      await assert.rejects(
        strict.checkNewLocation(location, 'experiment'),
        (e: unknown) => hasCode('INVALID_PARAMETER_VALUE')(e) && /--allow-local-artifact-locations/.test(`${e}`),
        location,
      );
      await lenient.checkNewLocation(location, 'experiment');
    }
  });

  it('refuses traversal in every encoding and position, control characters and remote file hosts', async () => {
    for (const location of [
      'mlflow-artifacts:/../x',
      'mlflow-artifacts:/a/%2e%2e/b',
      'mlflow-artifacts:/a%2f..%2fb',
      's3://b/a/%252e%252e/c',
      's3://b/a/..;x/c',
      's3://b/a?x=..',
      's3://b/a#/../c',
      's3://b/a\\..\\c',
      `${root}/exp/../../outside`,
      's3://b/a\u0000',
      's3://b/a%0a',
      'file://remote/share',
    ]) {
      await assert.rejects(
        lenient.checkNewLocation(location, 'experiment'),
        hasCode('INVALID_PARAMETER_VALUE'),
        location,
      );
    }
  });

  it('allows only the schemes Keel stores to, per purpose', async () => {
    for (const location of ['gs://b/p', 'hdfs://n/p', 'ftp://h/p', 'dbfs:/x', 'http://h/file', 'runs:/abc/m']) {
      await assert.rejects(strict.checkNewLocation(location, 'experiment'), /Unsupported artifact location/, location);
    }
    for (const source of ['ldap://h/p', 'javascript:alert(1)', 'data:text/plain,x']) {
      await assert.rejects(strict.checkNewLocation(source, 'model-version-source'), /Unsupported/, source);
    }
    // Sources in the other stores MLflow knows are recorded (never fetched by the server).
    for (const source of ['gs://b/p', 'wasbs://c@a.blob.core.windows.net/p', 'hdfs://n/p', 'dbfs:/p', 'ftp://h/p']) {
      await strict.checkNewLocation(source, 'model-version-source');
    }
  });
});

describe('ArtifactLocationPolicy.checkRemoteLocation', () => {
  const s3 = new ArtifactLocationPolicy({
    roots: [],
    allowLocalLocations: false,
    cwd: base,
    remoteRoots: ['s3://ml-bucket/artifacts', 's3://shared-bucket'],
  });

  it('lets the server read stored s3:// locations only below its S3 roots', () => {
    for (const inside of [
      's3://ml-bucket/artifacts',
      's3://ml-bucket/artifacts/1/r/artifacts',
      's3://shared-bucket/x',
    ]) {
      s3.checkRemoteLocation(inside);
    }
    for (const outsideRoot of [
      's3://ml-bucket/artifacts-other/1',
      's3://ml-bucket/elsewhere',
      's3://ml-bucket',
      's3://other-bucket/artifacts',
    ]) {
      assert.throws(() => s3.checkRemoteLocation(outsideRoot), hasCode('PERMISSION_DENIED'), outsideRoot);
    }
    assert.throws(() => strict.checkRemoteLocation('s3://ml-bucket/artifacts'), hasCode('PERMISSION_DENIED'));
    assert.throws(() => s3.checkRemoteLocation('s3://ml-bucket/artifacts/../../x'), hasCode('INVALID_PARAMETER_VALUE'));
  });

  it('refuses a remote root it cannot check', () => {
    assert.throws(
      () => new ArtifactLocationPolicy({ roots: [], allowLocalLocations: false, cwd: base, remoteRoots: ['gs://b'] }),
      /only s3/,
    );
  });

  it('refuses malformed s3:// locations when they are stored', async () => {
    await assert.rejects(strict.checkNewLocation('s3://', 'experiment'), hasCode('INVALID_PARAMETER_VALUE'));
    await assert.rejects(strict.checkNewLocation('s3://-x/p', 'experiment'), hasCode('INVALID_PARAMETER_VALUE'));
  });
});

describe('ArtifactLocationPolicy.openLocal', () => {
  it('serves inside the roots, and refuses links that lead out at the moment of the read', async () => {
    const repo = await strict.openLocal(join(root, 'exp'));
    assert.equal(await text(repo, 'inside.txt'), 'inside');
    await assert.rejects(repo.read('secret-link.txt'), hasCode('INVALID_PARAMETER_VALUE'));
    await repo.write('new/file.txt', Readable.from(['new']));
    assert.equal(await text(repo, 'new/file.txt'), 'new');
  });

  it('refuses a stored directory that is a link out of the roots', async () => {
    await assert.rejects(strict.openLocal(join(root, 'linked-out')), hasCode('PERMISSION_DENIED'));
    await assert.rejects(strict.openLocal(pathToFileURL(outside).href), hasCode('PERMISSION_DENIED'));
    await assert.rejects(strict.openLocal('/'), hasCode('PERMISSION_DENIED'));
  });

  it('never treats a relative path as a stored location', async () => {
    await assert.rejects(strict.openLocal('dummy-source'), hasCode('RESOURCE_DOES_NOT_EXIST'));
    await assert.rejects(lenient.openLocal('root/exp'), hasCode('RESOURCE_DOES_NOT_EXIST'));
  });

  it('with local locations allowed, reads outside the roots but never writes there', async () => {
    const repo = await lenient.openLocal(outside);
    assert.equal(await text(repo, 'secret.txt'), 'secret');
    await assert.rejects(repo.write('planted.txt', Readable.from(['x'])), hasCode('PERMISSION_DENIED'));
    await assert.rejects(repo.delete('secret.txt'), hasCode('PERMISSION_DENIED'));
    assert.equal(await text(repo, 'secret.txt'), 'secret');
  });

  it('checks every access again: a directory swapped for a link after opening serves nothing', async () => {
    const dir = join(root, 'swapped');
    mkdirSync(dir);
    const repo = await strict.openLocal(dir);
    rmSync(dir, { recursive: true });
    symlinkSync(outside, dir);
    await assert.rejects(repo.read('secret.txt'), hasCode('PERMISSION_DENIED'));
    await assert.rejects(repo.list(), hasCode('PERMISSION_DENIED'));
    await assert.rejects(repo.write('planted.txt', Readable.from(['x'])), hasCode('PERMISSION_DENIED'));
  });
});
