using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace SupportDesk.Tests.TestHost;

public enum TokenVia
{
    Header,
    Query,
    Subprotocol,
}

/// <summary>A real ClientWebSocket whose incoming messages are collected in order by a background reader.</summary>
public sealed class WsClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(10);

    private readonly ClientWebSocket _socket;
    private readonly Channel<JsonElement> _messages = Channel.CreateUnbounded<JsonElement>();
    private readonly TaskCompletionSource<(WebSocketCloseStatus? Status, string? Reason)> _closed =
        new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _reader;

    private WsClient(ClientWebSocket socket) => _socket = socket;

    public ClientWebSocket Socket => _socket;

    public static async Task<WsClient> ConnectAsync(Uri uri, string token, TokenVia via = TokenVia.Header, bool startReading = true)
    {
        var socket = new ClientWebSocket();
        switch (via)
        {
            case TokenVia.Header:
                socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
                break;
            case TokenVia.Query:
                uri = new Uri($"{uri}?access_token={Uri.EscapeDataString(token)}");
                break;
            case TokenVia.Subprotocol:
                socket.Options.AddSubProtocol("access_token");
                socket.Options.AddSubProtocol(token);
                break;
        }
        using var timeout = new CancellationTokenSource(DefaultWait);
        await socket.ConnectAsync(uri, timeout.Token);
        var client = new WsClient(socket);
        if (startReading)
            client.StartReading();
        return client;
    }

    /// <summary>Tries to connect and returns the HTTP status of the refusal (101 when it was accepted).</summary>
    public static async Task<HttpStatusCode> TryConnectAsync(Uri uri, string? token, TokenVia via = TokenVia.Header)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (token is not null)
        {
            switch (via)
            {
                case TokenVia.Header:
                    socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
                    break;
                case TokenVia.Query:
                    uri = new Uri($"{uri}?access_token={Uri.EscapeDataString(token)}");
                    break;
                case TokenVia.Subprotocol:
                    socket.Options.AddSubProtocol("access_token");
                    socket.Options.AddSubProtocol(token);
                    break;
            }
        }
        try
        {
            using var timeout = new CancellationTokenSource(DefaultWait);
            await socket.ConnectAsync(uri, timeout.Token);
            socket.Abort();
            return HttpStatusCode.SwitchingProtocols;
        }
        catch (WebSocketException)
        {
            return socket.HttpStatusCode;
        }
    }

    public void StartReading() => _reader ??= Task.Run(ReadLoopAsync);

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        _closed.TrySetResult((result.CloseStatus, result.CloseStatusDescription));
                        _messages.Writer.TryComplete();
                        return;
                    }
                    message.Write(buffer, 0, result.Count);
                } while (!result.EndOfMessage);
                _messages.Writer.TryWrite(JsonDocument.Parse(message.ToArray()).RootElement.Clone());
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            _closed.TrySetResult((null, e.Message));
            _messages.Writer.TryComplete();
        }
    }

    public async Task SendTextAsync(string text)
    {
        using var timeout = new CancellationTokenSource(DefaultWait);
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
    }

    public Task SendJsonAsync(object message) => SendTextAsync(JsonSerializer.Serialize(message));

    /// <summary>The very next message; fails if none comes in time.</summary>
    public async Task<JsonElement> NextAsync(TimeSpan? wait = null)
    {
        using var timeout = new CancellationTokenSource(wait ?? DefaultWait);
        try
        {
            return await _messages.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("No WebSocket message arrived in time.");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"The socket closed instead: {(await _closed.Task).Status}");
        }
    }

    /// <summary>The next message matching, skipping others (staff sockets also see other tests' events).</summary>
    public async Task<JsonElement> NextMatchingAsync(Func<JsonElement, bool> match, TimeSpan? wait = null)
    {
        var deadline = DateTime.UtcNow + (wait ?? DefaultWait);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException("No matching WebSocket message arrived in time.");
            var message = await NextAsync(left);
            if (match(message))
                return message;
        }
    }

    public Task<JsonElement> NextForTicketAsync(Guid ticketId, TimeSpan? wait = null) =>
        NextMatchingAsync(m => m.TryGetProperty("ticket_id", out var t) && t.ValueKind == JsonValueKind.String && t.GetGuid() == ticketId, wait);

    /// <summary>Waits for the server's close frame (or the connection's end) and returns its status and reason.</summary>
    public async Task<(WebSocketCloseStatus? Status, string? Reason)> ClosedAsync(TimeSpan? wait = null)
    {
        StartReading();
        return await _closed.Task.WaitAsync(wait ?? DefaultWait);
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // Already going away.
            }
        }
        _socket.Abort();
        _socket.Dispose();
    }
}
