using System.Diagnostics;
using Dapper;

namespace SupportDesk.Tests.Infrastructure;

/// <summary>
/// The start-up admin (ADMIN_EMAIL/ADMIN_PASSWORD) and `create-admin` meet the same rules as a registration: the
/// service runs as its own process, as an operator starts it, against the run's database.
/// </summary>
public sealed class StartupAdminTests(AppFixture app)
{
    private static async Task<(int ExitCode, string StdErr)> RunServiceAsync(IDictionary<string, string> env, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "SupportDesk.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["JWT_SECRET"] = SupportDeskFactory.JwtSecret;
        start.Environment["LOG_LEVEL"] = "warn";
        // Never a fixed port: should start-up go through, the process serves on a port of its own until killed.
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        foreach (var (key, value) in env)
            start.Environment[key] = value;

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true); // it started serving: the weak password was accepted
            return (-1, await stderr);
        }
        return (process.ExitCode, await stderr);
    }

    private async Task<int> UsersWithEmailAsync(string email)
    {
        await using var connection = await app.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM users WHERE lower(email) = lower(@email)", new { email });
    }

    [Fact]
    public async Task A_weak_ADMIN_PASSWORD_stops_start_up_with_a_one_line_reason_and_creates_nobody()
    {
        var email = AppFixture.UniqueEmail("startadmin");

        var (exit, stderr) = await RunServiceAsync(new Dictionary<string, string>
        {
            ["DATABASE_URL"] = app.Database.Url,
            ["ADMIN_EMAIL"] = email,
            ["ADMIN_PASSWORD"] = "short",
        });

        Assert.Equal(1, exit);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("supportdesk: the start-up admin is not accepted (ADMIN_PASSWORD:", line);
        Assert.Equal(0, await UsersWithEmailAsync(email));
    }

    [Fact]
    public async Task Create_admin_refuses_a_weak_password_and_accepts_a_good_one()
    {
        var email = AppFixture.UniqueEmail("cliadmin");
        var env = new Dictionary<string, string> { ["DATABASE_URL"] = app.Database.Url };

        var (refused, stderr) = await RunServiceAsync(env, "create-admin", "--email", email, "--password", "short");
        Assert.Equal(1, refused);
        Assert.StartsWith("password: ", stderr.Trim());
        Assert.Equal(0, await UsersWithEmailAsync(email));

        var (created, _) = await RunServiceAsync(env, "create-admin", "--email", email, "--password", "a-long-enough-password");
        Assert.Equal(0, created);
        await using var connection = await app.OpenConnectionAsync();
        Assert.Equal("admin", await connection.ExecuteScalarAsync<string>("SELECT role FROM users WHERE lower(email) = lower(@email)", new { email }));
    }
}
