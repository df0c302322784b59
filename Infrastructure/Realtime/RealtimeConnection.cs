using System.Buffers;
using System.Collections.Immutable;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Npgsql;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Infrastructure.Realtime;

/// <summary>Close codes the server uses beyond the ones WebSocketCloseStatus names.</summary>
public static class RealtimeCloseStatus
{
    /// <summary>1013: the server is overloaded or this client fell behind; reconnect later.</summary>
    public const WebSocketCloseStatus TryAgainLater = (WebSocketCloseStatus)1013;
}

/// <summary>
/// One client socket. Everything it is sent goes through a bounded queue drained by one send loop, so a slow
/// client only ever fills its own queue; when that overflows the client is closed, never waited for.
/// </summary>
public sealed class RealtimeConnection
{
    public const int MaxSubscriptions = 500;

    // How long a closing client gets to finish the close handshake (or a stuck send) before the socket is torn down.
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);
    private const int ReadChunkBytes = 4096;

    private readonly WebSocket _socket;
    private readonly Channel<byte[]> _outbox;
    private readonly int _maxMessageBytes;
    private readonly Func<Guid, RealtimeConnection, CancellationToken, Task<bool>> _maySeeTicket;
    private readonly ILogger _logger;
    // Stops the send loop from taking more messages and the receive loop from acting on requests.
    private readonly CancellationTokenSource _stop = new();
    // The last resort: cancelling a socket operation aborts the socket.
    private readonly CancellationTokenSource _abort;
    private volatile ImmutableHashSet<Guid> _subscriptions = [];
    private int _closing;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private string _closeReason = "";

    internal RealtimeConnection(WebSocket socket, CurrentUser user, int tokenVersion, int queueCapacity, int maxMessageBytes,
        Func<Guid, RealtimeConnection, CancellationToken, Task<bool>> maySeeTicket, ILogger logger, CancellationToken shutdown)
    {
        _socket = socket;
        User = user;
        TokenVersion = tokenVersion;
        _maxMessageBytes = maxMessageBytes;
        _maySeeTicket = maySeeTicket;
        _logger = logger;
        _abort = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        _outbox = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(queueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public Guid Id { get; } = Guid.CreateVersion7();
    public CurrentUser User { get; }
    public int TokenVersion { get; }
    public bool IsClosing => Volatile.Read(ref _closing) != 0;
    public WebSocketCloseStatus? CloseStatus => IsClosing ? _closeStatus : null;

    /// <summary>The REST rules, per event: a customer only hears about their own tickets and never staff-only events.</summary>
    internal bool Wants(RoutedEvent e)
    {
        if (e.TargetUserId is { } target)
            return target == User.Id;
        if (!User.IsStaff && (e.StaffOnly || e.RequesterId != User.Id))
            return false;
        var subscriptions = _subscriptions;
        return subscriptions.IsEmpty || (e.TicketId is { } ticketId && subscriptions.Contains(ticketId));
    }

    /// <summary>Queues a message without waiting; a full queue closes this connection.</summary>
    internal void Send(byte[] message)
    {
        if (IsClosing || _outbox.Writer.TryWrite(message))
            return;
        _logger.LogWarning("Closing WebSocket {ConnectionId} of user {UserId}: its send queue is full", Id, User.Id);
        Close(RealtimeCloseStatus.TryAgainLater, "Send queue overflow: the client reads too slowly");
    }

    /// <summary>Starts closing: the first reason wins; queued messages are dropped and the close frame is sent next.</summary>
    public void Close(WebSocketCloseStatus status, string reason)
    {
        if (Interlocked.CompareExchange(ref _closing, 1, 0) != 0)
            return;
        _closeStatus = status;
        _closeReason = reason;
        _outbox.Writer.TryComplete();
        _stop.Cancel();
        _abort.CancelAfter(CloseGrace);
    }

    internal async Task RunAsync()
    {
        var sending = SendLoopAsync();
        try
        {
            await ReceiveLoopAsync();
        }
        finally
        {
            Close(WebSocketCloseStatus.NormalClosure, "");
            await sending;
            _abort.Dispose();
            _stop.Dispose();
        }
    }

    private async Task SendLoopAsync()
    {
        try
        {
            var reader = _outbox.Reader;
            while (await reader.WaitToReadAsync(_stop.Token))
            {
                while (!_stop.IsCancellationRequested && reader.TryRead(out var message))
                    await _socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, _abort.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested || _abort.IsCancellationRequested)
        {
            // Closing: the close frame follows.
        }
        catch (WebSocketException)
        {
            // The peer is gone; the receive loop sees it too.
            Close(WebSocketCloseStatus.EndpointUnavailable, "");
            return;
        }

        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                await _socket.CloseOutputAsync(_closeStatus, _closeReason, _abort.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
            {
                _socket.Abort();
            }
        }
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (_socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var (type, message, length) = await ReceiveMessageAsync();
                try
                {
                    if (type == WebSocketMessageType.Close)
                        return;
                    if (IsClosing || length < 0)
                        continue; // draining until the client answers our close frame
                    if (type != WebSocketMessageType.Text)
                        Send(Error("invalid_message", "Send JSON text messages."));
                    else
                        await HandleAsync(message.AsMemory(0, length));
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
            // The client went away, keep-alive gave up on it, or the close handshake ran out of time.
        }
    }

    /// <summary>
    /// Reads one whole message; Length is -1 for one over the limit (then the socket is already closing with 1009).
    /// Waits for data with an empty buffer, so an idle socket holds no buffer; keeps at most max+1 bytes and reads the
    /// rest of an oversized message into the same space, so the close handshake can follow cleanly.
    /// </summary>
    private async Task<(WebSocketMessageType Type, byte[] Message, int Length)> ReceiveMessageAsync()
    {
        var first = await _socket.ReceiveAsync(Memory<byte>.Empty, _abort.Token);
        if (first.MessageType == WebSocketMessageType.Close || first.EndOfMessage)
            return (first.MessageType, [], 0);

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
            var result = await _socket.ReceiveAsync(target, _abort.Token);
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

    private async Task HandleAsync(ReadOnlyMemory<byte> text)
    {
        if (!TryParseRequest(text.Span, out var action, out var ticketId, out var error))
        {
            Send(error!);
            return;
        }

        switch (action)
        {
            case "ping":
                Send(RealtimeWire.Message("pong"));
                break;
            case "subscribe":
                var subscriptions = _subscriptions;
                if (subscriptions.Contains(ticketId))
                {
                    Send(RealtimeWire.Message("subscribed", ticketId: ticketId));
                }
                else if (subscriptions.Count >= MaxSubscriptions)
                {
                    Send(Error("too_many_subscriptions", $"A connection can follow at most {MaxSubscriptions} tickets.", ticketId));
                }
                else if (await MaySeeTicketAsync(ticketId) is not { } allowed)
                {
                    Send(Error("unavailable", "Could not check the ticket right now; try again shortly.", ticketId));
                }
                else if (!allowed)
                {
                    // Same answer for "does not exist" and "not yours": existence is not confirmed.
                    Send(Error("not_found", "Ticket not found.", ticketId));
                }
                else
                {
                    _subscriptions = _subscriptions.Add(ticketId);
                    Send(RealtimeWire.Message("subscribed", ticketId: ticketId));
                }
                break;
            case "unsubscribe":
                if (!_subscriptions.Contains(ticketId))
                {
                    Send(Error("not_subscribed", "This connection does not follow that ticket.", ticketId));
                    break;
                }
                _subscriptions = _subscriptions.Remove(ticketId);
                Send(RealtimeWire.Message("unsubscribed", ticketId: ticketId));
                break;
        }
    }

    private async Task<bool?> MaySeeTicketAsync(Guid ticketId)
    {
        try
        {
            return await _maySeeTicket(ticketId, this, _stop.Token);
        }
        catch (NpgsqlException e)
        {
            _logger.LogWarning(e, "Could not check ticket access for a WebSocket subscription");
            return null;
        }
    }

    /// <summary>{"action":"ping"} or {"action":"subscribe"|"unsubscribe","ticket_id":"uuid"}; anything else is an error message.</summary>
    internal static bool TryParseRequest(ReadOnlySpan<byte> text, out string action, out Guid ticketId, out byte[]? error)
    {
        action = "";
        ticketId = default;
        error = null;
        string? rawAction = null;
        string? rawTicket = null;
        var hasTicket = false;
        try
        {
            using var document = JsonDocument.Parse(text.ToArray(), new JsonDocumentOptions { MaxDepth = 4 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = Error("invalid_message", "Send a JSON object such as {\"action\":\"ping\"}.");
                return false;
            }
            foreach (var property in document.RootElement.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "action" when property.Value.ValueKind == JsonValueKind.String:
                        rawAction = property.Value.GetString();
                        break;
                    case "ticket_id":
                        hasTicket = true;
                        rawTicket = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                        break;
                    default:
                        error = Error("invalid_message", $"Unknown field or wrong type: '{Shorten(property.Name)}'.");
                        return false;
                }
            }
        }
        catch (JsonException)
        {
            error = Error("invalid_message", "The message is not valid JSON.");
            return false;
        }

        switch (rawAction)
        {
            case null:
                error = Error("invalid_message", "The message needs an \"action\": ping, subscribe or unsubscribe.");
                return false;
            case "ping" when !hasTicket:
                action = rawAction;
                return true;
            case "subscribe" or "unsubscribe":
                if (!Guid.TryParseExact(rawTicket, "D", out ticketId))
                {
                    error = Error("invalid_ticket_id", "\"ticket_id\" must be a ticket id (uuid).");
                    return false;
                }
                action = rawAction;
                return true;
            case "ping":
                error = Error("invalid_message", "ping takes no ticket_id.");
                return false;
            default:
                error = Error("unknown_action", $"Unknown action '{Shorten(rawAction)}': use ping, subscribe or unsubscribe.");
                return false;
        }
    }

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";

    private static byte[] Error(string code, string message, Guid? ticketId = null) =>
        RealtimeWire.Message("error", code, message, ticketId);
}
