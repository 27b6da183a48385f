# Sourced by the bench scripts. free_ports N: N distinct free TCP ports on 127.0.0.1, on one line.
# All N listeners are open at once before any closes, so two calls in a row cannot hand out the
# same port twice (one port at a time could: the kernel often gives a just-closed port again).
free_ports() {
  node -e "
    const net = require('net');
    const n = Number(process.argv[1]);
    const servers = [];
    let listening = 0;
    for (let i = 0; i < n; i++) {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        if (++listening < n) return;
        console.log(servers.map((s) => s.address().port).join(' '));
        for (const s of servers) s.close();
      });
      servers.push(server);
    }" "$1"
}
