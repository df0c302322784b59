using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace SupportDesk.Bench;

/// <summary>
/// The ws mode's default clients: plain sockets that make the RFC 6455 upgrade (the server's Sec-WebSocket-Accept is
/// checked), then one thread that waits on all of them with epoll and parses frames straight out of its read buffer.
/// They answer pings with pongs and treat a close frame as the end. The point is the cost: ClientWebSocket spends
/// its CPU per message in async machinery, and when the clients share the machine that time is taken from the
/// service being measured; here a message costs about one recv call (bench/README.md has the measured costs).
/// </summary>
internal sealed partial class LeanClients : IDisposable
{
    public delegate void MessageHandler(int client, ReadOnlySpan<byte> text, long receivedTicks);

    private const int ReadBytes = 64 * 1024;
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private readonly Socket[] _sockets;
    private readonly byte[]?[] _carry; // the start of a frame that a read cut off, per client
    private readonly bool[] _closed;
    private readonly int _epoll;
    private Thread? _thread;
    private volatile bool _stop;
    private int _closedCount;

    public static bool Supported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    private LeanClients(Socket[] sockets, byte[]?[] carry)
    {
        _sockets = sockets;
        _carry = carry;
        _closed = new bool[sockets.Length];
        _epoll = epoll_create1(EpollCloexec);
        if (_epoll < 0)
            throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        for (var i = 0; i < sockets.Length; i++)
        {
            sockets[i].Blocking = false;
            var registration = new EpollEvent { Events = EpollIn, Data = (ulong)i };
            if (epoll_ctl(_epoll, EpollCtlAdd, (int)sockets[i].Handle, ref registration) != 0)
                throw new InvalidOperationException($"epoll_ctl failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Clients whose socket ended (close frame, EOF or error) while reading.</summary>
    public int Closed => Volatile.Read(ref _closedCount);

    public static LeanClients Connect(Uri wsUri, string token, int count, int parallel)
    {
        var endpoint = new IPEndPoint(IPAddress.Parse(wsUri.Host), wsUri.Port);
        var sockets = new Socket[count];
        var carry = new byte[]?[count];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallel }, i =>
            (sockets[i], carry[i]) = Handshake(endpoint, wsUri, token));
        return new LeanClients(sockets, carry);
    }

    /// <summary>Starts the reading thread; the handler runs on it, one message at a time.</summary>
    public void Start(MessageHandler onMessage)
    {
        _thread = new Thread(() => ReadLoop(onMessage)) { IsBackground = true, Name = "lean-ws-clients" };
        _thread.Start();
    }

    public void Dispose()
    {
        _stop = true;
        _thread?.Join();
        foreach (var socket in _sockets)
            socket?.Dispose();
        if (_epoll >= 0)
            close(_epoll);
    }

    private static (Socket, byte[]?) Handshake(IPEndPoint endpoint, Uri wsUri, string token)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Connect(endpoint);
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            socket.Send(Encoding.ASCII.GetBytes(
                $"GET {wsUri.PathAndQuery} HTTP/1.1\r\nHost: {wsUri.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n"));
            var buffer = new byte[8192];
            var length = 0;
            int end;
            while ((end = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (length == buffer.Length)
                    throw new InvalidOperationException("the handshake response headers exceed 8 KB");
                var read = socket.Receive(buffer, length, buffer.Length - length, SocketFlags.None);
                if (read == 0)
                    throw new InvalidOperationException("the server closed the connection during the handshake");
                length += read;
            }
            var lines = Encoding.ASCII.GetString(buffer, 0, end).Split("\r\n");
            if (!lines[0].StartsWith("HTTP/1.1 101 ", StringComparison.Ordinal))
                throw new InvalidOperationException($"the upgrade was refused: {lines[0]}");
            var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));
            if (!lines.Any(line => line.StartsWith("Sec-WebSocket-Accept:", StringComparison.OrdinalIgnoreCase)
                    && line["Sec-WebSocket-Accept:".Length..].Trim() == accept))
                throw new InvalidOperationException("the server's Sec-WebSocket-Accept does not match the key");
            return (socket, end + 4 < length ? buffer[(end + 4)..length] : null);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void ReadLoop(MessageHandler onMessage)
    {
        var ready = new EpollEvent[1024];
        var buffer = new byte[ReadBytes * 2];
        while (!_stop)
        {
            var count = epoll_wait(_epoll, ready, ready.Length, 100);
            if (count < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == EIntr)
                    continue;
                throw new InvalidOperationException($"epoll_wait failed: errno {errno}");
            }
            for (var i = 0; i < count; i++)
                Read((int)ready[i].Data, ref buffer, onMessage);
            // Let a millisecond of messages pile up before the next look. Blocking in epoll_wait after every few
            // messages would make the service wake this thread per message, a context switch each, paid on the cores
            // being measured (bench/README.md has what it saved). A message can be recorded up to 1 ms late, which only
            // makes the latency reported worse.
            if (count > 0)
                Thread.Sleep(1);
        }
    }

    // Level-triggered: one read per readiness; whatever is left makes epoll report the socket again.
    private void Read(int client, ref byte[] buffer, MessageHandler onMessage)
    {
        if (_closed[client])
            return;
        var carry = _carry[client];
        var carried = carry?.Length ?? 0;
        if (carried + ReadBytes > buffer.Length)
            buffer = new byte[carried + ReadBytes];
        carry?.CopyTo(buffer, 0);
        var read = _sockets[client].Receive(buffer, carried, ReadBytes, SocketFlags.None, out var error);
        if (error == SocketError.WouldBlock)
            return; // the carried bytes stay where they are
        _carry[client] = null;
        if (error != SocketError.Success || read == 0)
        {
            End(client);
            return;
        }
        var now = DateTime.UtcNow.Ticks;
        var data = buffer.AsSpan(0, carried + read);
        while (TryTakeFrame(ref data, out var fin, out var opcode, out var payload))
        {
            switch (opcode)
            {
                case 0x1 or 0x2 when fin:
                    onMessage(client, payload, now);
                    break;
                case 0x8:
                    End(client);
                    return;
                case 0x9:
                    Pong(client, payload);
                    break;
                case 0xA:
                    break;
                default:
                    // The service sends every message in one frame; anything else means the bench is misreading.
                    throw new InvalidOperationException($"client {client}: unexpected frame (opcode {opcode}, fin {fin})");
            }
        }
        if (!data.IsEmpty)
            _carry[client] = data.ToArray();
    }

    private static bool TryTakeFrame(ref Span<byte> data, out bool fin, out int opcode, out ReadOnlySpan<byte> payload)
    {
        fin = false;
        opcode = 0;
        payload = default;
        if (data.Length < 2)
            return false;
        if ((data[1] & 0x80) != 0)
            throw new InvalidOperationException("the server sent a masked frame, which RFC 6455 forbids");
        long length = data[1] & 0x7F;
        var header = 2;
        if (length == 126)
        {
            if (data.Length < 4)
                return false;
            length = (data[2] << 8) | data[3];
            header = 4;
        }
        else if (length == 127)
        {
            if (data.Length < 10)
                return false;
            length = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(data[2..]);
            header = 10;
        }
        if (data.Length - header < length)
            return false;
        fin = (data[0] & 0x80) != 0;
        opcode = data[0] & 0x0F;
        payload = data.Slice(header, (int)length);
        data = data[(header + (int)length)..];
        return true;
    }

    // Client frames are masked (RFC 6455 5.3); a pong echoes the ping's payload, at most 125 bytes.
    private void Pong(int client, ReadOnlySpan<byte> payload)
    {
        Span<byte> frame = stackalloc byte[2 + 4 + 125];
        frame[0] = 0x8A;
        frame[1] = (byte)(0x80 | payload.Length);
        RandomNumberGenerator.Fill(frame.Slice(2, 4));
        for (var i = 0; i < payload.Length; i++)
            frame[6 + i] = (byte)(payload[i] ^ frame[2 + (i & 3)]);
        _sockets[client].Send(frame[..(6 + payload.Length)], SocketFlags.None, out _);
    }

    private void End(int client)
    {
        _closed[client] = true;
        _carry[client] = null;
        var none = default(EpollEvent);
        epoll_ctl(_epoll, EpollCtlDel, (int)_sockets[client].Handle, ref none);
        Interlocked.Increment(ref _closedCount);
    }

    private const int EpollCloexec = 0x80000;
    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;
    private const uint EpollIn = 0x001;
    private const int EIntr = 4;

    // x86-64 packs struct epoll_event: 4 bytes of events, then 8 of data.
    [StructLayout(LayoutKind.Explicit, Size = 12)]
    private struct EpollEvent
    {
        [FieldOffset(0)] public uint Events;
        [FieldOffset(4)] public ulong Data;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epfd, int op, int fd, ref EpollEvent e);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_wait(int epfd, [Out] EpollEvent[] events, int maxEvents, int timeout);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
