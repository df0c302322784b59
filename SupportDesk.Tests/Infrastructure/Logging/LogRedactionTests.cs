using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text.RegularExpressions;
using Npgsql;

namespace SupportDesk.Tests.Infrastructure.Logging;

/// <summary>
/// Tokens and passwords never reach the logs, at any level: the service runs as its own process at LOG_LEVEL=trace
/// (framework request lines included) and everything it writes is searched.
/// </summary>
public sealed partial class LogRedactionTests(AppFixture app)
{
    [Theory]
    [InlineData("trace")]
    [InlineData("debug")]
    public async Task No_token_or_database_password_appears_in_any_log_line(string level)
    {
        var user = await app.RegisterCustomerAsync();
        var csb = new NpgsqlConnectionStringBuilder(app.Database.ConnectionString);
        // The test cluster trusts local connections, so any password opens it; a real one is kept if the server has one.
        var password = string.IsNullOrEmpty(csb.Password) ? $"db-pw-{Guid.NewGuid():N}" : csb.Password;
        var databaseUrl = $"postgres://{Uri.EscapeDataString(csb.Username!)}:{Uri.EscapeDataString(password)}@{csb.Host}:{csb.Port}/{csb.Database}";
        var querySecret = $"query-secret-{Guid.NewGuid():N}";

        var output = new ConcurrentQueue<string>();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SupportDesk.dll"));
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["JWT_SECRET"] = SupportDeskFactory.JwtSecret;
        start.Environment["DATABASE_URL"] = databaseUrl;
        start.Environment["LOG_LEVEL"] = level;
        using var process = new Process { StartInfo = start };
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        DataReceivedEventHandler collect = (_, e) =>
        {
            if (e.Data is null)
                return;
            output.Enqueue(e.Data);
            if (ListeningOn().Match(e.Data) is { Success: true } m)
                listening.TrySetResult(new Uri(m.Groups["url"].Value));
        };
        process.OutputDataReceived += collect;
        process.ErrorDataReceived += collect;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(90));

            using (var socket = new ClientWebSocket())
            {
                await socket.ConnectAsync(new Uri($"ws://{address.Authority}/ws?access_token={user.Token}"), CancellationToken.None);
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
            }
            using var client = new HttpClient { BaseAddress = address };
            await client.GetAsync($"/health?token={querySecret}&password={querySecret}");
            using var me = new HttpRequestMessage(HttpMethod.Get, $"/auth/me?access_token={user.Token}");
            me.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
            await client.SendAsync(me);
            // Let the request-finished lines reach stdout.
            await Task.Delay(1000);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"{e.Message}; the service wrote:\n{string.Join('\n', output.TakeLast(40))}");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        var log = string.Join('\n', output);
        // The requests were logged (the check below is not vacuous), with the secrets masked.
        Assert.Contains("\"Path\":\"/ws\",\"QueryString\":\"?access_token=[redacted]\"", log);
        Assert.Contains("?token=[redacted]&password=[redacted]", log);
        Assert.DoesNotContain(user.Token, log);
        Assert.DoesNotContain(user.Token.Split('.')[2], log);
        Assert.DoesNotContain(querySecret, log);
        Assert.DoesNotContain(password, log);
        Assert.DoesNotContain(Uri.EscapeDataString(password), log);
    }

    [Theory]
    [InlineData("postgres://sd:s3cret@db.example.test:5432/app?sslmode=require", "postgres://sd:***@db.example.test:5432/app")]
    [InlineData("postgres://sd:p@ss@db.example.test/app", "postgres://sd:***@db.example.test/app")]
    [InlineData("postgres://sd@db.example.test/app", "postgres://sd@db.example.test/app")]
    [InlineData("Host=db;Username=sd;Password=s3cret;Database=app", "Host=db;Username=sd;Password=***;Database=app")]
    public async Task Scripts_print_database_urls_without_their_password(string url, string printed)
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "scripts", "lib", "postgres.sh")))
            root = Path.GetDirectoryName(root.TrimEnd('/'))!;
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("source scripts/lib/postgres.sh && sd_redact_url \"$1\"");
        start.ArgumentList.Add("bash");
        start.ArgumentList.Add(url);
        start.WorkingDirectory = root;
        using var process = Process.Start(start)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(printed, stdout.Trim());
    }

    [GeneratedRegex(@"Now listening on: \\?""?(?<url>http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();
}
