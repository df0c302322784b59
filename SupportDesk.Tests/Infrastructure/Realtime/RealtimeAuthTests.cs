using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace SupportDesk.Tests.Infrastructure.Realtime;

/// <summary>/ws validates tokens exactly like REST, from the header, the query or the subprotocol, before the upgrade.</summary>
public sealed class RealtimeAuthTests(AppFixture app, RealtimeServerFixture fixture) : IClassFixture<RealtimeServerFixture>
{
    private Uri Ws => fixture.Server.WebSocketUri;

    [Theory]
    [InlineData(TokenVia.Header)]
    [InlineData(TokenVia.Query)]
    [InlineData(TokenVia.Subprotocol)]
    public async Task A_valid_token_is_accepted_from_each_place(TokenVia via)
    {
        var customer = await app.RegisterCustomerAsync();
        await using var client = await WsClient.ConnectAsync(Ws, customer.Token, via);
        Assert.Equal(via == TokenVia.Subprotocol ? "access_token" : null, client.Socket.SubProtocol);
        await client.SendTextAsync("{\"action\":\"ping\"}");
        Assert.Equal("pong", (await client.NextAsync()).GetProperty("type").GetString());
    }

    [Theory]
    [InlineData(TokenVia.Header)]
    [InlineData(TokenVia.Query)]
    [InlineData(TokenVia.Subprotocol)]
    public async Task Bad_expired_and_tampered_tokens_are_refused_with_401_before_the_upgrade(TokenVia via)
    {
        var customer = await app.RegisterCustomerAsync();
        var parts = customer.Token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("\"customer\"", "\"admin\"");
        var tampered = $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";
        var expired = RealtimeTestData.Token(customer.Id, "customer", DateTime.UtcNow.AddMinutes(-5));
        var wrongKey = RealtimeTestData.Token(customer.Id, "customer", DateTime.UtcNow.AddHours(1), secret: new string('x', 64));
        var staleVersion = RealtimeTestData.Token(customer.Id, "customer", DateTime.UtcNow.AddHours(1), version: 7);

        foreach (var token in new[] { "garbage", tampered, expired, wrongKey, staleVersion })
            Assert.Equal(HttpStatusCode.Unauthorized, await WsClient.TryConnectAsync(Ws, token, via));
        Assert.Equal(HttpStatusCode.Unauthorized, await WsClient.TryConnectAsync(Ws, null));
        // The same forged-but-valid token is accepted, so the refusals above are about the token.
        var valid = RealtimeTestData.Token(customer.Id, "customer", DateTime.UtcNow.AddHours(1));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await WsClient.TryConnectAsync(Ws, valid, via));
    }

    [Fact]
    public async Task Tokens_in_the_query_only_count_on_the_websocket_route()
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = fixture.Server.CreateClient();
        var response = await client.GetAsync($"/auth/me?access_token={customer.Token}");
        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_plain_get_on_ws_is_a_problem_not_a_crash()
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);
        await (await client.GetAsync("/ws")).AssertProblemAsync(HttpStatusCode.BadRequest);
        using var anonymous = app.Anonymous();
        await (await anonymous.GetAsync("/ws")).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_role_change_closes_the_socket_with_1008()
    {
        var agent = await app.CreateUserAsync("agent");
        await using var client = await WsClient.ConnectAsync(Ws, agent.Token);
        await using (var db = await app.OpenConnectionAsync())
            await Dapper.SqlMapper.ExecuteAsync(db, "UPDATE users SET role = 'customer', token_version = token_version + 1 WHERE id = @Id", new { agent.Id });
        var (status, _) = await client.ClosedAsync();
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
    }
}
