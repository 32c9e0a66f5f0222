// Why: the local agent's program. Python 3 because it can enter a network namespace (setns) for one socket and
// come back, which Node cannot: ONE process then serves and probes for every pod of a node, where a Node process per
// pod cost 35 ms of start-up and 44 MB each. Kept as a string so it ships in dist/ with the rest (run with
// `python3 -c`); `test/drivers/local/agent-py.test.ts` compiles it and drives it without the driver.

/** The agent's Python source: JSON lines on stdin/stdout (see agent-protocol.ts); argv: its namespace, launch burst. */
export const AGENT_PY = String.raw`
# netpol-harness local agent: ONE process serves and probes for many endpoints (all the pods of a node, or the
# externals). A socket keeps the network namespace it was created in, so the process enters an endpoint's
# namespace (setns) only to create a socket and goes back home at once; everything else is one epoll loop.
# Speaks JSON lines on stdin/stdout; exits when stdin closes.
import _socket, asyncio, ctypes, errno, gc, json, math, os, resource, select, socket, struct, sys

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def setns(fd):
    if hasattr(os, 'setns'):
        os.setns(fd, CLONE_NEWNET)
    elif _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


HOME = os.open('/proc/self/ns/net', os.O_RDONLY)
inside = [HOME]  # the namespace this thread is in now


def enter(fd):
    if inside[0] != fd:
        setns(fd)
        inside[0] = fd


def go_home():
    enter(HOME)
loop = None
endpoints = {}  # identity -> Endpoint

# UDP source ports chosen here, never by the kernel (see docs/local-driver.md "Every probe is a new flow"): one
# cursor per source and destination over Linux's default ephemeral range, so a 5-tuple comes back only after
# 28,232 attempts, long after conntrack forgot the old flow.
PORT_LOW, PORT_HIGH = 32768, 60999
SPAN = PORT_HIGH - PORT_LOW + 1
cursors = {}


def next_source_port(key):
    cur = cursors.get(key)
    if cur is None:
        cur = 0
        for ch in key:
            cur = (cur * 31 + ord(ch)) & 0xFFFFFFFF
        cur %= SPAN
    cursors[key] = (cur + 1) % SPAN
    return PORT_LOW + cur


# A source port in use (the block of another destination's cursor, whose copies and hedges hold a run of
# consecutive ports: 40 copies x 3 hedges under heavy loss) is skipped, as far as it takes: a probe never fails
# for want of a port while most of the range is free.
BIND_TRIES = 4096


def bind_fresh(sock, fam, key):
    for _ in range(BIND_TRIES):
        try:
            return sock.bind((any_address(fam), next_source_port(key)))
        except OSError as e:
            if e.errno != errno.EADDRINUSE:
                raise
    raise OSError(errno.EADDRINUSE, 'no fresh UDP source port in %d tries' % BIND_TRIES)


# rtnetlink, for a pod's own side of its link (lo and eth0 up, its address, the route to its node). The same
# requests as ip -n <pod> -batch, without what that costs per pod: each ip -n copies the mount namespace
# (iproute2 netns_switch: unshare(CLONE_NEWNS), remount /sys), which with 1,000 namespaces mounted in /run/netns
# took 160 ms per pod on this machine. Constants from linux/netlink.h, linux/rtnetlink.h, linux/if_addr.h.
NLMSG_ERROR, RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE = 2, 16, 20, 24
NLM_F_REQUEST, NLM_F_ACK, NLM_F_REPLACE, NLM_F_CREATE = 0x1, 0x4, 0x100, 0x400
IFA_ADDRESS, IFA_LOCAL, RTA_DST, RTA_OIF, RTA_GATEWAY = 1, 2, 1, 4, 5
RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RT_SCOPE_LINK, RTN_UNICAST = 254, 3, 0, 253, 1
IFA_F_NODAD = 0x02


def rtattr(kind, data):
    n = 4 + len(data)
    return struct.pack('HH', n, kind) + data + b'\0' * (-n % 4)


def netlink(requests, protocol=0):
    # requests: (type, flags, body); every one acknowledged, the first error raised. protocol 0: NETLINK_ROUTE.
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, protocol)
    try:
        for seq, (kind, flags, body) in enumerate(requests, 1):
            s.send(struct.pack('IHHII', 16 + len(body), kind, flags | NLM_F_REQUEST | NLM_F_ACK, seq, 0) + body)
            acked = False
            while not acked:
                data, off = s.recv(65536), 0
                while off + 16 <= len(data):
                    n, t, _, got, _ = struct.unpack_from('IHHII', data, off)
                    if t == NLMSG_ERROR and got == seq:
                        err = struct.unpack_from('i', data, off + 16)[0]
                        if err:
                            raise OSError(-err, os.strerror(-err))
                        acked = True
                    off += (n + 3) & ~3
    finally:
        s.close()


def configure_pod(setup):
    # Runs inside the pod's namespace: lo and eth0 up; IPv4: ip/32 on eth0, gateway on link, default route via
    # gateway; IPv6: ip6/128 without duplicate address detection (IFA_F_NODAD: a tentative address cannot be used,
    # the first round would be lost), default route via the link-local gateway6 (on link by definition).
    lo, eth0 = socket.if_nametoindex('lo'), socket.if_nametoindex('eth0')
    up = lambda i: (RTM_NEWLINK, 0, struct.pack('BxHiII', socket.AF_UNSPEC, 0, i, 1, 1))
    route = lambda fam, dst_len, scope, attrs: (
        RTM_NEWROUTE,
        NLM_F_CREATE | NLM_F_REPLACE,
        struct.pack('BBBBBBBBI', fam, dst_len, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT, scope, RTN_UNICAST, 0) + attrs,
    )
    oif = rtattr(RTA_OIF, struct.pack('i', eth0))
    reqs = [up(lo), up(eth0)]
    if setup.get('ip'):
        addr = socket.inet_aton(setup['ip'])
        gw = socket.inet_aton(setup['gateway'])
        reqs += [
            (RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, struct.pack('BBBBI', socket.AF_INET, 32, 0, 0, eth0) + rtattr(IFA_LOCAL, addr) + rtattr(IFA_ADDRESS, addr)),
            route(socket.AF_INET, 32, RT_SCOPE_LINK, rtattr(RTA_DST, gw) + oif),
            route(socket.AF_INET, 0, RT_SCOPE_UNIVERSE, rtattr(RTA_GATEWAY, gw) + oif),
        ]
    if setup.get('ip6'):
        addr = socket.inet_pton(socket.AF_INET6, setup['ip6'])
        gw = socket.inet_pton(socket.AF_INET6, setup['gateway6'])
        reqs += [
            (RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, struct.pack('BBBBI', socket.AF_INET6, 128, IFA_F_NODAD, 0, eth0) + rtattr(IFA_ADDRESS, addr)),
            route(socket.AF_INET6, 0, RT_SCOPE_UNIVERSE, rtattr(RTA_GATEWAY, gw) + oif),
        ]
    netlink(reqs)


# ctnetlink: forget every conntrack entry of the agent's own namespace (a node's: where the forward chain's
# "ct state established,related accept" looks), as conntrack -F does. A delete without a tuple is a flush
# (net/netfilter/nf_conntrack_netlink.c, ctnetlink_del_conntrack); family AF_UNSPEC: both families.
NETLINK_NETFILTER, NFNL_SUBSYS_CTNETLINK, IPCTNL_MSG_CT_DELETE = 12, 1, 2


def flush_conntrack():
    go_home()
    netlink([((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE, 0, struct.pack('BBH', socket.AF_UNSPEC, 0, 0))], NETLINK_NETFILTER)


# nftables without a process: libnftables (what the nft command is a thin wrapper of) loaded once, its netlink
# socket made in the agent's own namespace (a node's), so a node's ruleset is applied in-process, atomically as
# nft -f does. Starting nft under ip netns exec cost 80-200 ms per transaction on a loaded machine.
_nft = []


def nft_run(script):
    if not _nft:
        go_home()
        lib = ctypes.CDLL('libnftables.so.1')
        lib.nft_ctx_new.restype = ctypes.c_void_p
        lib.nft_ctx_new.argtypes = [ctypes.c_uint32]
        for f in ('nft_ctx_buffer_output', 'nft_ctx_buffer_error'):
            getattr(lib, f).argtypes = [ctypes.c_void_p]
        for f in ('nft_ctx_get_output_buffer', 'nft_ctx_get_error_buffer'):
            getattr(lib, f).argtypes = [ctypes.c_void_p]
            getattr(lib, f).restype = ctypes.c_char_p
        lib.nft_run_cmd_from_buffer.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        ctx = lib.nft_ctx_new(0)
        lib.nft_ctx_buffer_output(ctx)
        lib.nft_ctx_buffer_error(ctx)
        _nft.append((lib, ctx))
    lib, ctx = _nft[0]
    go_home()
    rc = lib.nft_run_cmd_from_buffer(ctx, script.encode())
    out = (lib.nft_ctx_get_output_buffer(ctx) or b'').decode(errors='replace')
    err = (lib.nft_ctx_get_error_buffer(ctx) or b'').decode(errors='replace')
    if rc != 0:
        raise RuntimeError('nft failed: ' + err.strip()[-2000:])
    return out


class Endpoint:
    def __init__(self, identity, netns):
        self.identity = identity
        self.reply = (identity + '\n').encode()
        self.nsfd = os.open(netns, os.O_RDONLY)
        self.servers = []

    def configure(self, setup):
        enter(self.nsfd)
        try:
            configure_pod(setup)
        finally:
            go_home()

    def socket(self, kind, family=socket.AF_INET, proto=0, bare=False):
        # Created inside the endpoint's namespace, where it stays. The thread stays there too until the caller
        # goes home (once per burst of attempts: consecutive attempts mostly share a source). bare: the C socket
        # object, without the Python wrapper an attempt does not use.
        enter(self.nsfd)
        return (_socket.socket if bare else socket.socket)(family, kind | socket.SOCK_NONBLOCK, proto)

    def close(self):
        go_home()
        for s in self.servers:
            loop.remove_reader(s.fileno())
            s.close()
        self.servers = []
        os.close(self.nsfd)


def family_of(ip):
    return socket.AF_INET6 if ':' in ip else socket.AF_INET


def any_address(fam):
    return '::' if fam == socket.AF_INET6 else '0.0.0.0'


def server_socket(ep, kind, fam):
    # One socket per family: an IPv6 one takes IPv6 only (IPV6_V6ONLY), so each family is served on its own.
    s = ep.socket(kind, fam)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    return s


def serve_tcp(ep, port, fam):
    s = server_socket(ep, socket.SOCK_STREAM, fam)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((any_address(fam), port))
    s.listen(4096)

    def on_accept():
        while True:
            try:
                fd, _ = s._accept()  # the bare descriptor: no socket object for a connection only written to once
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            try:
                os.write(fd, ep.reply)
            except OSError:
                pass
            closer.add(fd)

    loop.add_reader(s.fileno(), on_accept)
    ep.servers.append(s)


# DNS (docs/services.md, "Names and DNS"): a UDP server whose agent knows Service names answers a query for one
# of them with its ClusterIP (an A record), so a pod standing in for kube-dns really resolves; a client resolves a
# name with a real query from its own namespace, which the dataplane judges like any packet. RFC 1035 section 4.
dns_records = {}  # lower-case name -> its addresses (an A record for the IPv4 one, AAAA for the IPv6 one)


def dns_name(data, i):
    labels = []
    while i < len(data):
        n = data[i]
        if n == 0:
            return '.'.join(labels).lower(), i + 1
        if n & 0xC0:
            return None, i
        labels.append(data[i + 1 : i + 1 + n].decode(errors='replace'))
        i += 1 + n
    return None, i


def dns_query(qid, name, qtype=1):
    q = b''.join(bytes([len(l)]) + l.encode() for l in name.split('.')) + b'\0'
    return struct.pack('!HHHHHH', qid, 0x0100, 1, 0, 0, 0) + q + struct.pack('!HH', qtype, 1)


def dns_answer(data):
    # The answer to a standard query for a known name: its A (type 1) or AAAA (type 28) record, none when it has no
    # address of that family (NOERROR, as CoreDNS answers); NXDOMAIN for an unknown name. None: no query.
    if len(data) < 12:
        return None
    qid, flags, qd = struct.unpack('!HHH', data[:6])
    if flags & 0x8000 or qd != 1:
        return None
    name, end = dns_name(data, 12)
    if name is None or end + 4 > len(data):
        return None
    question = data[12 : end + 4]
    ips = dns_records.get(name)
    if ips is None:
        return struct.pack('!HHHHHH', qid, 0x8183, 1, 0, 0, 0) + question
    qtype = struct.unpack('!H', data[end : end + 2])[0]
    addrs = [ip for ip in ([ips] if isinstance(ips, str) else ips) if (":" in ip) == (qtype == 28)]
    if qtype not in (1, 28) or not addrs:
        return struct.pack('!HHHHHH', qid, 0x8180, 1, 0, 0, 0) + question
    fam = socket.AF_INET6 if qtype == 28 else socket.AF_INET
    packed = socket.inet_pton(fam, addrs[0])
    rr = struct.pack('!HHHLH', 0xC00C, qtype, 1, 5, len(packed)) + packed
    return struct.pack('!HHHHHH', qid, 0x8180, 1, 1, 0, 0) + question + rr


def dns_address(data, qid):
    # The first A record of an answer to query qid; (None, why) when there is none.
    if len(data) < 12:
        return None, 'a short DNS answer'
    rid, flags, qd, an = struct.unpack('!HHHH', data[:8])
    if rid != qid or not flags & 0x8000:
        return None, 'not the answer to our DNS query'
    if flags & 0xF:
        return None, 'DNS rcode %d' % (flags & 0xF)
    i = 12
    for _ in range(qd):
        _, i = dns_name(data, i)
        i += 4
    for _ in range(an):
        if i < len(data) and data[i] & 0xC0:
            i += 2
        else:
            _, i = dns_name(data, i)
        kind, _, _, n = struct.unpack('!HHLH', data[i : i + 10])
        i += 10
        if kind == 1 and n == 4:
            return socket.inet_ntoa(data[i : i + 4]), None
        if kind == 28 and n == 16:
            return socket.inet_ntop(socket.AF_INET6, data[i : i + 16]), None
        i += n
    return None, 'no address record in the DNS answer'


def serve_udp(ep, port, fam):
    s = server_socket(ep, socket.SOCK_DGRAM, fam)
    s.bind((any_address(fam), port))

    def on_datagram():
        while True:
            try:
                data, addr = s.recvfrom(512)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                continue
            try:
                s.sendto((dns_records and dns_answer(data)) or ep.reply, addr)
            except OSError:
                pass

    loop.add_reader(s.fileno(), on_datagram)
    ep.servers.append(s)


def icmp_checksum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def same_address(a, b):
    fam = family_of(a)
    try:
        return fam == family_of(b) and socket.inet_pton(fam, a) == socket.inet_pton(fam, b.split('%')[0])
    except OSError:
        return False


def errname(n):
    return errno.errorcode.get(n, str(n))


class Attempt:
    """One connection attempt from an endpoint; calls done(outcome) once: connected, refused, error or timeout."""

    def __init__(self, ep, c, deadline, done):
        self.ep, self.c, self.done_cb, self.sock, self.buf, self.finished = ep, c, done, None, b'', False
        self.resend = None  # the DNS query's retransmission timer, while resolving
        self.timer = ticks.at(deadline, self.on_deadline)
        self.resolving = bool(c.get('resolve'))
        try:
            if self.resolving:
                self.start_dns()
            else:
                self.start()
        except OSError as e:
            self.failed(e)

    def start(self):
        if self.c['protocol'] == 'TCP':
            self.start_tcp()
        elif self.c['protocol'] == 'ICMP':
            self.start_icmp()
        else:
            self.start_udp()

    def start_icmp(self):
        # An ICMP echo request (ICMPv6 over IPv6) from a raw socket in the source's namespace (the agent is root);
        # the answer is the destination kernel's echo reply. connect() makes the kernel deliver only packets from
        # that address; the identifier is fresh per attempt (conntrack keys ICMP flows on it: every probe is a new
        # flow, like the UDP source ports), and only a reply carrying it counts.
        ip = self.c['ip']
        self.v6 = ':' in ip
        fam = socket.AF_INET6 if self.v6 else socket.AF_INET
        s = self.ep.socket(socket.SOCK_RAW, fam, socket.IPPROTO_ICMPV6 if self.v6 else socket.IPPROTO_ICMP, bare=True)
        self.sock = s
        self.icmp_id = next_source_port(self.ep.identity + '>icmp:' + ip) & 0xFFFF
        s.connect((ip, 0))
        watch.add(s.fileno(), self.on_icmp)
        payload = b'netpol-harness probe'
        kind = 128 if self.v6 else 8
        head = struct.pack('!BBHHH', kind, 0, 0, self.icmp_id, 1)
        # IPv6: the kernel fills in the ICMPv6 checksum of a raw socket (RFC 3542 3.1); IPv4: ours.
        if not self.v6:
            head = struct.pack('!BBHHH', kind, 0, icmp_checksum(head + payload), self.icmp_id, 1)
        s.send(head + payload)

    def on_icmp(self):
        while not self.finished:
            got = self.receive(lambda: self.sock.recvfrom(2048))
            if got is None:
                return
            d, addr = got
            if not self.v6 and d:
                d = d[(d[0] & 0x0F) * 4:]  # a raw IPv4 socket reads the IP header too
            if len(d) < 8:
                continue
            kind, _, _, ident, _ = struct.unpack('!BBHHH', d[:8])
            if kind == (129 if self.v6 else 0) and ident == self.icmp_id:
                # answeredBy: the address that replied (the driver knows whose it is).
                who = self.c['ip'] if same_address(self.c['ip'], addr[0]) else addr[0]
                return self.finish({'outcome': 'connected', 'answeredBy': who})

    def start_dns(self):
        # service-name: a real query from the client's namespace to its resolver (UDP 53, a fresh source port as for
        # every probe), then the connection to the address it answers. No answer within the timeout: a timeout.
        server = self.c['resolve']['server']
        fam = family_of(server)
        s = self.ep.socket(socket.SOCK_DGRAM, fam)
        self.sock = s  # finish() closes it, whatever fails below
        bind_fresh(s, fam, self.ep.identity + '>dns:' + server)
        self.qid = int.from_bytes(os.urandom(2), 'big')
        s.connect((server, 53))
        loop.add_reader(s.fileno(), self.on_dns)
        self.query = dns_query(self.qid, self.c['resolve']['name'], 28 if self.c['resolve'].get('aaaa') else 1)
        s.send(self.query)
        # A resolver retransmits an unanswered query (res_state's retrans interval and retry count: glibc
        # bits/types/res_state.h); its seconds scaled to the probe's window: the same query again at each quarter of
        # it while no answer came, so a lost datagram costs a quarter window, not the attempt (docs/services.md).
        self.retrans = max(0.05, (self.timer.when() - loop.time()) / 4)
        self.resend = loop.call_later(self.retrans, self.resend_dns)

    def resend_dns(self):
        if self.finished or not self.resolving or self.sock is None:
            return
        try:
            self.sock.send(self.query)
        except (BlockingIOError, InterruptedError):
            pass
        except OSError as e:
            # The socket's pending error (an ICMP port unreachable for the last query: ECONNREFUSED) is reported to
            # whichever call comes first, this send or the reader's recv: it ends the lookup either way.
            return self.fail(e.errno)
        self.resend = loop.call_later(self.retrans, self.resend_dns)

    def on_dns(self):
        d = self.receive(lambda: self.sock.recv(512))
        if d is None:
            return
        ip, why = dns_address(d, self.qid)
        if ip is None:
            return self.finish({'outcome': 'error', 'detail': why})
        self.resend.cancel()
        loop.remove_reader(self.sock.fileno())
        self.sock.close()
        self.sock, self.resolving = None, False
        self.c = dict(self.c, ip=ip)
        try:
            self.start()
        except OSError as e:
            self.failed(e)
        finally:
            go_home()

    def finish(self, o):
        if self.finished:
            return
        self.finished = True
        if watch.at is not None:
            o['at'] = watch.at  # when the answer came (Watch.drain)
        self.timer.cancel()
        if self.resend is not None:
            self.resend.cancel()
        if self.sock is not None:
            fd = self.sock.fileno()
            if fd >= 0:
                if self.resolving:
                    loop.remove_reader(fd)
                else:
                    watch.forget(fd)
                closer.add(self.sock.detach())
        self.done_cb(o)

    def start_tcp(self):
        # Watched for reading only: the endpoint's reply (or the end of the connection, or its failure: a refused or
        # unreachable connect makes the socket readable with its error) is all an attempt waits for.
        self.sock = self.marked(self.ep.socket(socket.SOCK_STREAM, family_of(self.c['ip']), bare=True))
        err = self.sock.connect_ex((self.c['ip'], self.c['port']))
        if err in (0, errno.EINPROGRESS):
            watch.add(self.sock.fileno(), self.on_data)
        else:
            self.fail(err)

    def marked(self, sock):
        # A probe through a Service pins its backend: the pod's NAT picks the DNAT rule by this mark (SO_MARK, 36).
        if self.c.get('mark'):
            sock.setsockopt(socket.SOL_SOCKET, 36, self.c['mark'])
        # A NodePort probe pins it by the packet's TOS (DSCP), which, unlike a mark, crosses into the node's namespace.
        if self.c.get('tos'):
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, self.c['tos'])
        return sock

    def fail(self, err):
        if self.resolving:
            # The lookup got an answer that is no address: an ICMP unreachable (nothing serves DNS at the resolver;
            # the local dataplane drops, never rejects) is a probe error, as on kind and kube (docs/services.md).
            why = 'connection refused (nothing serves DNS there)' if err == errno.ECONNREFUSED else errname(err)
            return self.finish({'outcome': 'error', 'detail': 'name lookup failed: %s' % why})
        if err == errno.ECONNREFUSED:
            self.finish({'outcome': 'refused', 'detail': 'ECONNREFUSED'})
        else:
            self.finish({'outcome': 'error', 'detail': errname(err)})

    def failed(self, e):
        # A step of the attempt raised (a socket that could not be made, bound or connected).
        self.finish({'outcome': 'error', 'detail': errname(e.errno) if e.errno else str(e)})

    def receive(self, read):
        # What the socket holds now; None when nothing is there yet, or when reading failed (the attempt is then finished).
        try:
            return read()
        except (BlockingIOError, InterruptedError):
            return None
        except OSError as e:
            self.fail(e.errno)
            return None

    def answered(self, data):
        # The endpoint's reply names who answered.
        self.finish({'outcome': 'connected', 'answeredBy': data.decode(errors='replace').strip()})

    def on_data(self):
        d = self.receive(lambda: self.sock.recv(512))
        if d is None:
            return
        if d:
            self.buf += d
            if b'\n' in self.buf:
                self.answered(self.buf)
        elif self.buf:
            self.answered(self.buf)
        else:
            self.finish({'outcome': 'error', 'detail': 'connection closed without a reply'})

    def start_udp(self):
        dest = '%s:%d' % (self.c['ip'], self.c['port'])
        fam = family_of(self.c['ip'])
        s = self.ep.socket(socket.SOCK_DGRAM, fam, bare=True)
        try:
            self.marked(s)
            bind_fresh(s, fam, self.ep.identity + '>' + dest)
        except OSError as e:
            s.close()
            return self.finish({'outcome': 'error', 'detail': 'no fresh UDP source port: ' + errname(e.errno)})
        self.sock = s
        s.connect((self.c['ip'], self.c['port']))
        watch.add(s.fileno(), self.on_datagram)
        s.send(b'probe\n')

    def on_datagram(self):
        d = self.receive(lambda: self.sock.recv(512))
        if d is None:
            return
        self.answered(d)

    def on_deadline(self):
        # Last look before calling it a timeout: an answer the kernel already holds counts, even when this busy
        # loop has not read it yet (a timeout must mean nothing came back, never that we were slow to look).
        if self.finished or self.sock is None:
            return self.finish({'outcome': 'timeout'})
        if self.resolving:
            return self.finish({'outcome': 'timeout', 'detail': 'no DNS answer'})
        if self.c['protocol'] == 'ICMP':
            self.on_icmp()
            return self.finish({'outcome': 'timeout'})
        fd = self.sock.fileno()
        if self.c['protocol'] == 'TCP' and not self.buf:
            p = select.poll()
            p.register(fd, select.POLLOUT)
            if p.poll(0) and not self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                pass  # connected: read below
            else:
                return self.finish({'outcome': 'timeout'})
        try:
            d = self.sock.recv(512)
        except OSError:
            d = b''
        data = self.buf + d
        if data:
            return self.answered(data)
        self.finish({'outcome': 'timeout'})


class Watch:
    """The probe sockets' readiness: an epoll of their own, itself one reader of the loop. Watching a socket is one
    epoll_ctl, where the loop's add_reader makes a handle and a selector key per socket (and a TCP attempt took a
    writer, then a reader, then removed both)."""

    def __init__(self):
        self.poller, self.callbacks, self.noted, self.at = select.epoll(), {}, [], None
        loop.add_reader(self.poller.fileno(), self.drain)

    def add(self, fd, callback):
        # One event, then none until watched again: a socket done with needs no epoll_ctl to stop watching it (it
        # leaves the epoll when it closes), one that still waits is watched again after its callback.
        self.callbacks[fd] = callback
        self.poller.register(fd, select.EPOLLIN | select.EPOLLONESHOT)

    def forget(self, fd):
        self.callbacks.pop(fd, None)

    def drain(self):
        events = self.poller.poll(0)
        if pacer.queue:
            # Launches first: an answer is noted with the time it came, and read once every queued attempt has
            # started (or at the next hedge or deadline). Its latency is the time it came, not when it was read.
            now = loop.time()
            self.noted += [(fd, now) for fd, _ in events]
            return
        self.catch_up()
        now = loop.time()
        for fd, _ in events:
            self.answer(fd, now)

    def catch_up(self):
        noted, self.noted = self.noted, []
        for fd, at in noted:
            self.answer(fd, at)

    def answer(self, fd, at):
        callback = self.callbacks.get(fd)
        if callback is not None:
            self.at = at
            try:
                callback()
            finally:
                self.at = None
            if self.callbacks.get(fd) == callback:
                self.poller.modify(fd, select.EPOLLIN | select.EPOLLONESHOT)


class Tick:
    """A callback Ticks runs once, unless cancelled first."""

    __slots__ = ('due', 'fn')

    def __init__(self, due, fn):
        self.due, self.fn = due, fn

    def when(self):
        return self.due

    def cancel(self):
        self.fn = None


class Ticks:
    """Callbacks due at about the same time share one timer of the loop: each runs at its time or up to TICK later,
    never earlier. A round's thousands of deadlines and hedges cost a timer per tick, not one each, and one return to
    the agent's own namespace per tick, not one per hedge."""

    TICK = 0.002

    def __init__(self):
        self.due = {}

    def at(self, when, fn):
        k = math.ceil(when / self.TICK)
        batch = self.due.get(k)
        if batch is None:
            batch = self.due[k] = []
            loop.call_at(k * self.TICK, self.fire, k)
        t = Tick(when, fn)
        batch.append(t)
        return t

    def fire(self, k):
        watch.catch_up()  # answers noted first: an answered connection is not hedged, nor timed out
        try:
            for t in self.due.pop(k, ()):
                fn, t.fn = t.fn, None
                if fn is not None:
                    fn()
        finally:
            go_home()


class Closer:
    """Descriptors of sockets done with, closed once no attempt has been launched for QUIET: closing a TCP socket sends
    its FIN through the dataplane, packets the kernel carries on this CPU within close(), which would delay the
    launches still to come. Beyond their limit waiting, they close at once."""

    QUIET = 0.02

    def __init__(self, limit):
        self.fds, self.limit, self.timer = [], limit, None

    def add(self, fd):
        self.fds.append(fd)
        if len(self.fds) >= self.limit:
            self.flush()
        elif self.timer is None:
            self.timer = loop.call_later(self.QUIET, self.when_quiet)

    def when_quiet(self):
        self.timer = None
        wait = pacer.last + self.QUIET - loop.time()
        if pacer.queue or wait > 0:
            self.timer = loop.call_later(max(wait, self.QUIET / 4), self.when_quiet)
        else:
            self.flush()

    def flush(self):
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        watch.catch_up()  # no answer noted for a descriptor about to close (and be reused)
        fds, self.fds = self.fds, []
        for fd in fds:
            try:
                os.close(fd)
            except OSError:
                pass


class Pacer:
    """Launches attempts at most BURST per loop turn, so a big round cannot starve the loop that reads answers."""

    def __init__(self, burst):
        self.burst, self.queue, self.scheduled, self.last = burst, [], False, 0.0

    def push(self, fn):
        self.queue.append(fn)
        if not self.scheduled:
            self.scheduled = True
            loop.call_soon(self.run)

    def run(self):
        batch, self.queue = self.queue[: self.burst], self.queue[self.burst :]
        try:
            for fn in batch:
                fn()
        finally:
            go_home()
        self.last = loop.time()
        if self.queue:
            loop.call_soon(self.run)
        else:
            self.scheduled = False
            if watch.noted:
                loop.call_soon(watch.catch_up)


pacer = None
watch = None
ticks = None
closer = None


def connect(ep, c, timeout_ms, attempts, on_result):
    """Hedged: a new attempt every timeout/attempts while none answered, all within one timeout from the first."""
    state = {'pending': 0, 'launched': 0, 'done': False, 'timers': [], 'start': None}
    key = c['key']

    def result(i, o):
        state['pending'] -= 1
        if state['done']:
            return
        if o['outcome'] != 'timeout' or (state['pending'] == 0 and state['launched'] == attempts):
            state['done'] = True
            for h in state['timers']:
                h.cancel()
            r = dict(o)
            r['key'] = key
            r['latencyMs'] = round(((r.pop('at', None) or loop.time()) - state['start']) * 1000, 2)
            if i > 0:
                r['detail'] = ', '.join(x for x in (o.get('detail'), 'attempt %d' % (i + 1)) if x)
            on_result(r)

    def launch(i):
        if state['done']:
            return
        now = loop.time()
        if state['start'] is None:
            state['start'] = now
            # The window starts when the first attempt really starts, so pacing never eats into it.
            for j in range(1, attempts):
                state['timers'].append(ticks.at(now + j * timeout_ms / attempts / 1000, lambda j=j: launch(j)))
        state['pending'] += 1
        state['launched'] += 1
        Attempt(ep, c, state['start'] + timeout_ms / 1000, lambda o: result(i, o))

    pacer.push(lambda: launch(0))


# The garbage collector waits while a probe is in flight: a round allocates tens of thousands of objects, and a
# collection (a full one took 12-85 ms in a 4,096-cell round) in the middle of its launches or deadlines delays
# them all. A round that left many objects behind is collected once its last results are written.
probing = set()  # ids of the probe commands whose results are not written yet


def probe_started(rid):
    if not probing:
        gc.disable()
    elif gc.get_count()[0] > 200000:
        gc.collect()  # probes in flight for long (rounds overlapping without end): collected all the same
    probing.add(rid)


def probe_ended(rid):
    if rid in probing:
        probing.discard(rid)
        if not probing:
            loop.call_soon(collect_between_rounds)


def collect_between_rounds():
    if probing:
        return
    if gc.get_count()[0] > 10000:
        gc.collect()
    gc.enable()


def write(obj):
    out.write((json.dumps(obj, separators=(',', ':')) + '\n').encode())


def handle(cmd):
    kind = cmd.get('cmd')
    rid = cmd.get('id', -1)
    try:
        if kind == 'serve':
            old = endpoints.pop(cmd['identity'], None)
            if old:
                old.close()
            ep = Endpoint(cmd['identity'], cmd['netns'])
            endpoints[ep.identity] = ep
            dns_records.update(cmd.get('dns') or {})
            try:
                if cmd.get('setup'):
                    ep.configure(cmd['setup'])
                fams = [socket.AF_INET6 if f == 'IPv6' else socket.AF_INET for f in cmd.get('families') or ['IPv4']]
                for fam in fams:
                    for l in cmd['listen']:
                        if l['protocol'] == 'TCP':
                            serve_tcp(ep, l['port'], fam)
                        elif l['protocol'] == 'UDP':
                            serve_udp(ep, l['port'], fam)
            except OSError as e:
                ep.close()
                del endpoints[ep.identity]
                return write({'id': rid, 'ok': False, 'error': '%s: %s' % (ep.identity, e)})
            finally:
                go_home()
            return write({'id': rid, 'ok': True})
        if kind == 'unserve':
            ep = endpoints.pop(cmd['identity'], None)
            if ep:
                ep.close()
            return write({'id': rid, 'ok': True})
        if kind == 'nft':
            try:
                output = nft_run(cmd['script'])
            except OSError as e:
                return write({'id': rid, 'ok': False, 'error': 'no libnftables: %s' % e})
            return write({'id': rid, 'ok': True, 'output': output})
        if kind == 'flush-conntrack':
            flush_conntrack()
            return write({'id': rid, 'ok': True})
        if kind == 'probe':
            ep = endpoints.get(cmd['from'])
            if ep is None:
                return write({'id': rid, 'ok': False, 'error': 'no endpoint %s in this agent' % cmd['from']})
            conns = cmd['connect']
            results = [None] * len(conns)
            left = [len(conns)]
            if not conns:
                return write({'id': rid, 'ok': True, 'results': []})

            def on_result(i, r):
                results[i] = r
                left[0] -= 1
                if left[0] == 0:
                    write({'id': rid, 'ok': True, 'results': results})
                    probe_ended(rid)

            probe_started(rid)
            for i, c in enumerate(conns):
                if c['protocol'] not in ('TCP', 'UDP', 'ICMP'):
                    on_result(i, {'key': c['key'], 'outcome': 'error', 'latencyMs': 0, 'detail': 'SCTP is not supported by the local agent'})
                else:
                    connect(ep, c, cmd['timeoutMs'], max(1, cmd.get('attempts') or 1), lambda r, i=i: on_result(i, r))
            return
        write({'id': rid, 'ok': False, 'error': 'unknown command %s' % kind})
    except Exception as e:  # a bad command must not take the other endpoints down
        go_home()
        probe_ended(rid)
        write({'id': rid, 'ok': False, 'error': '%s: %s' % (type(e).__name__, e)})


async def main():
    global loop, out, pacer, watch, ticks, closer
    loop = asyncio.get_running_loop()
    # Sockets wait to be closed (Closer): as many descriptors as the hard limit allows, a quarter of them for that.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (OSError, ValueError):
            pass
    watch, ticks, closer = Watch(), Ticks(), Closer(max(64, min(4096, soft // 4)))
    pacer = Pacer(int(sys.argv[2]) if len(sys.argv) > 2 else 64)
    reader = asyncio.StreamReader(limit=1 << 26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    out, _ = await loop.connect_write_pipe(asyncio.Protocol, sys.stdout)
    write({'id': 0, 'ok': True})  # hello: running and reading commands
    while True:
        line = await reader.readline()
        if not line:
            break
        line = line.strip()
        if not line:
            continue
        try:
            cmd = json.loads(line)
        except ValueError:
            write({'id': -1, 'ok': False, 'error': 'bad command: ' + line[:80].decode(errors='replace')})
            continue
        handle(cmd)
    os._exit(0)


asyncio.run(main())
`
