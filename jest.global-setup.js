/**
 * Tests that start the service or a processor as a child process run the built JavaScript, so
 * the build runs once before the tests (swc: about a second).
 */
const { execFileSync } = require('node:child_process');

module.exports = async () => {
  execFileSync(process.execPath, [require.resolve('@swc/cli/bin/swc.js'), 'apps', 'libs', '-d', 'dist', '-q'], {
    cwd: __dirname,
    stdio: 'inherit',
  });
};
