using System.Buffers;
using System.Collections.Immutable;
using System.Net.WebSockets;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Infrastructure.Realtime;

/// <summary>
/// One client socket's transport: the send queue, the close handshake and the read loop; what the messages mean is
/// <see cref="RealtimeClientProtocol"/>'s. A message is written to the socket straight away when nothing else is being sent (the
/// usual case: the write completes at once into the connection's output buffer, with no queue or thread hop);
/// otherwise it waits in a small bounded queue that the unfinished send drains. A slow client only ever fills its
/// own queue; when that overflows the client is closed, never waited for.
/// </summary>
public sealed class RealtimeConnection
{
    private const int ReadChunkBytes = 4096;

    private readonly WebSocket _socket;
    private readonly int _queueCapacity;
    private readonly int _maxMessageBytes;
    private readonly RealtimeHub _hub;
    private readonly ILogger _logger;
    private volatile ImmutableHashSet<Guid> _subscriptions = [];
    private int _closing;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private string _closeReason = "";

    // Guards the send state below. A send (or the close frame) is in flight while _sending is set.
    private readonly Lock _sendLock = new();
    private bool _sending;
    private bool _closeRequested;
    private Queue<byte[]>? _queued; // made on first need: most sockets never have a send waiting
    private TaskCompletionSource? _closeSent;

    internal RealtimeConnection(WebSocket socket, CurrentUser user, int tokenVersion, DateTimeOffset? expiresAt, int queueCapacity,
        int maxMessageBytes, RealtimeHub hub, ILogger logger)
    {
        _socket = socket;
        User = user;
        TokenVersion = tokenVersion;
        ExpiresAt = expiresAt ?? DateTimeOffset.MaxValue;
        _queueCapacity = queueCapacity;
        _maxMessageBytes = maxMessageBytes;
        _hub = hub;
        _logger = logger;
    }

    public Guid Id { get; } = Guid.CreateVersion7();
    public CurrentUser User { get; }
    public int TokenVersion { get; }

    /// <summary>
    /// The customer's shared organization as last read (TicketVisibility.SharedOrganizationOf): on connecting, and by the
    /// user monitor whenever access changes. A reference, so the fan-out reads it whole without a lock.
    /// </summary>
    internal SharedOrganization? SharedOrganization
    {
        get => Volatile.Read(ref _sharedOrganization);
        set => Volatile.Write(ref _sharedOrganization, value);
    }

    private SharedOrganization? _sharedOrganization;
    /// <summary>When the token the socket was opened with expires; the hub's sweep closes the socket then.</summary>
    public DateTimeOffset ExpiresAt { get; }
    /// <summary>
    /// The groups of a user restricted to them (null: not restricted), loaded when the socket opens and kept current by
    /// <see cref="RealtimeUserMonitor"/> when a membership changes.
    /// </summary>
    internal ImmutableHashSet<Guid>? Groups
    {
        get => _groups;
        set => _groups = value;
    }

    private volatile ImmutableHashSet<Guid>? _groups;

    /// <summary>The tickets this socket follows (empty: every ticket it may see); kept by <see cref="RealtimeClientProtocol"/>.</summary>
    internal ImmutableHashSet<Guid> Subscriptions
    {
        get => _subscriptions;
        set => _subscriptions = value;
    }

    /// <summary>Over-budget messages since the last admitted one; only the read loop touches it. Two bytes fit the
    /// object's padding, so the count costs a socket nothing.</summary>
    internal ushort RejectedInARow { get; set; }

    internal RealtimeHub Hub => _hub;
    internal ILogger Logger => _logger;
    public bool IsClosing => Volatile.Read(ref _closing) != 0;
    public WebSocketCloseStatus? CloseStatus => IsClosing ? _closeStatus : null;

    /// <summary>Sends or queues a message without waiting; a full queue closes this connection.</summary>
    internal void Send(byte[] message)
    {
        var start = false;
        lock (_sendLock)
        {
            if (_closeRequested)
                return;
            if (!_sending)
            {
                _sending = start = true;
            }
            else if ((_queued ??= new Queue<byte[]>()).Count < _queueCapacity)
            {
                _queued.Enqueue(message);
                return;
            }
        }
        if (start)
        {
            _ = SendFromAsync(message);
            return;
        }
        _logger.LogWarning("Closing WebSocket {SocketId} of user {UserId}: its send queue is full", Id, User.Id);
        Close(RealtimeCloseStatus.TryAgainLater, "Send queue overflow: the client reads too slowly");
    }

    /// <summary>Starts closing: the first reason wins; queued messages are dropped and the close frame is sent next.</summary>
    public void Close(WebSocketCloseStatus status, string reason)
    {
        if (Interlocked.CompareExchange(ref _closing, 1, 0) != 0)
            return;
        _closeStatus = status;
        _closeReason = reason;
        _ = AbortAfterGraceAsync();
        lock (_sendLock)
        {
            _closeRequested = true;
            _queued = null;
            if (_sending)
                return; // the send in flight sends the close frame when it finishes
            _sending = true;
        }
        _ = SendCloseAsync();
    }

    /// <summary>Reads client messages until the socket closes, then finishes the close handshake.</summary>
    internal async Task RunAsync()
    {
        try
        {
            while (_socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                // An idle socket waits here with an empty buffer, in this one async frame: at 10,000 sockets every
                // buffer or suspended method kept per socket counts.
                var first = await _socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
                if (first.MessageType == WebSocketMessageType.Close)
                    return;
                var (type, message, length) = first.EndOfMessage ? (first.MessageType, [], 0) : await ReceiveMessageAsync();
                try
                {
                    if (type == WebSocketMessageType.Close)
                        return;
                    if (IsClosing || length < 0)
                        continue; // draining until the client answers our close frame
                    if (!RealtimeClientProtocol.Admit(this))
                        continue;
                    if (type != WebSocketMessageType.Text)
                        Send(RealtimeClientProtocol.TextOnly);
                    else
                        await RealtimeClientProtocol.HandleAsync(this, message.AsMemory(0, length));
                }
                finally
                {
                    if (message.Length > 0)
                        ArrayPool<byte>.Shared.Return(message);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // The client went away without a close frame, or keep-alive gave up on it (after our own close, the
            // first reason stays): the log then says so instead of a normal closure.
            Close(WebSocketCloseStatus.EndpointUnavailable, "");
        }
        finally
        {
            Close(WebSocketCloseStatus.NormalClosure, "");
            // A send the client never takes in ends when AbortAfterGraceAsync aborts the socket; the close completes then.
            await CloseSent().Task;
        }
    }

    // The last resort once closing has begun: a client that never answers the close frame, or never takes in a send,
    // has its socket aborted, which ends the pending receive and send. Only closing sockets pay for this timer.
    private async Task AbortAfterGraceAsync()
    {
        await Task.Delay(_hub.CloseGrace);
        if (_socket.State is not (WebSocketState.Closed or WebSocketState.Aborted))
            _socket.Abort();
    }

    private TaskCompletionSource CloseSent()
    {
        var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return Interlocked.CompareExchange(ref _closeSent, created, null) ?? created;
    }

    // Runs on the caller's thread until a write has to wait, then drains the queue; ends with the close frame when
    // the connection is closing. Only one runs at a time per connection (_sending).
    private async Task SendFromAsync(byte[] message)
    {
        try
        {
            while (true)
            {
                // No cancellation token: the non-cancellable path allocates nothing; a stuck send ends by AbortAfterGraceAsync.
                await _socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                lock (_sendLock)
                {
                    if (_closeRequested)
                        break;
                    if (_queued is not { Count: > 0 } queued)
                    {
                        _sending = false;
                        return;
                    }
                    message = queued.Dequeue();
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer is gone (the receive loop sees it too), or the socket was aborted.
            Close(WebSocketCloseStatus.EndpointUnavailable, "");
        }
        await SendCloseAsync();
    }

    private async Task SendCloseAsync()
    {
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await _socket.CloseOutputAsync(_closeStatus, _closeReason, CancellationToken.None);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            _socket.Abort();
        }
        finally
        {
            CloseSent().TrySetResult();
        }
    }

    /// <summary>
    /// Reads the message whose first frame has arrived; Length is -1 for one over the limit (then the socket is already
    /// closing with 1009). Keeps at most max+1 bytes and reads the rest of an oversized message into the same space, so
    /// the close handshake can follow cleanly.
    /// </summary>
    private async Task<(WebSocketMessageType Type, byte[] Message, int Length)> ReceiveMessageAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReadChunkBytes);
        var stored = 0;
        long total = 0;
        while (true)
        {
            if (stored == buffer.Length && total <= _maxMessageBytes)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, _maxMessageBytes + 1));
                buffer.AsSpan(0, stored).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = bigger;
            }
            var target = total > _maxMessageBytes ? buffer.AsMemory() : buffer.AsMemory(stored);
            var result = await _socket.ReceiveAsync(target, CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close)
                return (WebSocketMessageType.Close, buffer, 0);
            total += result.Count;
            if (total <= _maxMessageBytes)
                stored += result.Count;
            else if (!IsClosing)
                Close(WebSocketCloseStatus.MessageTooBig, $"Messages are limited to {_maxMessageBytes} bytes");
            if (result.EndOfMessage)
                return (result.MessageType, buffer, total > _maxMessageBytes ? -1 : stored);
        }
    }
}

/// <summary>An organization whose members see each other's tickets.</summary>
internal sealed record SharedOrganization(Guid Id);
