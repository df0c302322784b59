using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SupportDesk.Infrastructure.Database;

namespace SupportDesk.Tests.Infrastructure.Database;

public sealed class DatabaseSetupTests
{
    private static NpgsqlConnectionStringBuilder Configured(string connectionString)
    {
        using var services = new ServiceCollection().AddDatabase(connectionString).BuildServiceProvider();
        return new NpgsqlConnectionStringBuilder(services.GetRequiredService<NpgsqlDataSource>().ConnectionString);
    }

    [Fact]
    public void The_pool_skips_the_session_reset_and_does_not_auto_prepare_by_default()
    {
        var settings = Configured("Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres");

        Assert.True(settings.NoResetOnClose);
        Assert.Equal(0, settings.MaxAutoPrepare);
    }

    [Fact]
    public void An_explicit_reset_setting_in_the_connection_string_wins()
    {
        var settings = Configured("Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres;No Reset On Close=false");

        Assert.False(settings.NoResetOnClose);
    }
}
