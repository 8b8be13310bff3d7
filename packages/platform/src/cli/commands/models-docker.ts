/** `keel models generate-dockerfile` and `keel models build-docker`: container images that serve a model with Keel. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CliContext, ClientFlags } from '../connect.js';
import { addTrackingUriOption, fetchModel, MODEL_URI_HELP } from '../model-loading.js';
import { examples } from '../options.js';

interface DockerFlags extends ClientFlags {
  modelUri: string;
  outputDirectory?: string;
  name?: string;
}

/** Fetches the model and writes the build context into `dir`. */
async function writeContext(flags: DockerFlags, dir: string, context: CliContext): Promise<string> {
  const [{ ModelDirectory }, { writeDockerContext }] = await Promise.all([
    import('../../models/model-directory.js'),
    import('../../models/docker/dockerfile.js'),
  ]);
  const fetched = await fetchModel(flags.modelUri, flags, context);
  try {
    return await writeDockerContext(await ModelDirectory.open(fetched.local.dir), dir);
  } finally {
    await fetched.local.remove();
  }
}

/** Registers the Docker commands. */
export function registerDockerCommands(models: Command, context: CliContext): void {
  const { io } = context;
  addTrackingUriOption(
    models
      .command('generate-dockerfile')
      .description(
        'Write a Docker build context (Dockerfile, the model, Keel) whose image serves the model on port 8080; Node base image, plus Python only for python_function models',
      )
      .requiredOption('-m, --model-uri <uri>', MODEL_URI_HELP)
      .option(
        '-d, --output-directory <dir>',
        'where to write the context (must be empty or absent)',
        'keel-dockerfile',
      ),
  )
    .addHelpText(
      'after',
      examples(
        'keel models generate-dockerfile -m models:/churn@champion -d churn-image',
        'docker build -t churn churn-image && docker run -p 5001:8080 churn',
      ),
    )
    .action(async (flags: DockerFlags) => {
      const dockerfile = await writeContext(flags, flags.outputDirectory ?? 'keel-dockerfile', context);
      io.out(
        `Wrote ${dockerfile}; build it with: docker build -t <name> ${flags.outputDirectory ?? 'keel-dockerfile'}`,
      );
    });

  addTrackingUriOption(
    models
      .command('build-docker')
      .description('Build a Docker image that serves the model with Keel on port 8080 (needs a running Docker engine)')
      .requiredOption('-m, --model-uri <uri>', MODEL_URI_HELP)
      .option('-n, --name <name>', 'image name', 'keel-model-server'),
  )
    .addHelpText(
      'after',
      examples('keel models build-docker -m models:/churn/3 -n churn', 'docker run -p 5001:8080 churn'),
    )
    .action(async (flags: DockerFlags) => {
      const { buildDockerImage, checkDockerEngine } = await import('../../models/docker/dockerfile.js');
      await checkDockerEngine(context.env);
      const dir = await mkdtemp(join(tmpdir(), 'keel-docker-'));
      try {
        const contextDir = join(dir, 'context');
        await writeContext(flags, contextDir, context);
        const name = flags.name ?? 'keel-model-server';
        await buildDockerImage(contextDir, name, context.env, (line) => io.err(line));
        io.out(`Built image ${name}; run it with: docker run -p 5001:8080 ${name}`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
}
