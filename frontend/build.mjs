// Builds the registry browser into dist/: one script (app.js), one stylesheet (app.css), index.html and the icon, with
// fixed names so the API project can list them without a glob. Runs from `dotnet build` (Registry.Api.csproj).
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';

const dist = new URL('./dist/', import.meta.url);
await mkdir(dist, { recursive: true });
await build({
  entryPoints: { app: 'src/main.js' },
  bundle: true,
  format: 'esm',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  legalComments: 'eof',
  outdir: 'dist',
  absWorkingDir: new URL('.', import.meta.url).pathname,
  logLevel: 'warning',
});
await build({
  entryPoints: { app: 'src/app.css' },
  bundle: true,
  minify: true,
  outdir: 'dist',
  absWorkingDir: new URL('.', import.meta.url).pathname,
  logLevel: 'warning',
});
for (const file of ['index.html', 'favicon.svg']) await copyFile(new URL(`./src/${file}`, import.meta.url), new URL(file, dist));
