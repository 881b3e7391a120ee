// Loaded into the gateway by `python -m bench.showcase --profile N` (NODE_OPTIONS=--require ...; node
// refuses --cpu-prof there). The first SIGUSR2 starts sampling the process's CPU, the second writes a
// .cpuprofile (the format of `node --cpu-prof`) into SHOP_CPU_PROF_DIR: only the measured load.
const fs = require('node:fs');
const inspector = require('node:inspector');
const path = require('node:path');

const folder = process.env.SHOP_CPU_PROF_DIR;
if (folder) {
  const session = new inspector.Session();
  session.connect();
  let running = false;
  process.on('SIGUSR2', () => {
    if (!running) {
      session.post('Profiler.enable', () => session.post('Profiler.start'));
    } else {
      session.post('Profiler.stop', (error, result) => {
        if (!error) fs.writeFileSync(path.join(folder, `gateway-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
      });
    }
    running = !running;
  });
}
