using Serilog;
using SupportDesk.Features.Attachments;
using SupportDesk.Features.Auth;
using SupportDesk.Features.Email;
using SupportDesk.Features.Groups;
using SupportDesk.Features.Health;
using SupportDesk.Features.Inbound;
using SupportDesk.Features.Tickets;
using SupportDesk.Features.KnowledgeBase;
using SupportDesk.Features.Reports;
using SupportDesk.Features.Search;
using SupportDesk.Features.Sla;
using SupportDesk.Features.Notifications;
using SupportDesk.Features.Organizations;
using SupportDesk.Features.RoutingRules;
using SupportDesk.Features.Users;
using SupportDesk.Infrastructure;
using SupportDesk.Infrastructure.Cli;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Logging;
using SupportDesk.Infrastructure.Metrics;
using SupportDesk.Infrastructure.OpenApi;
using SupportDesk.Infrastructure.Realtime;
using SupportDesk.Infrastructure.Validation;

Log.Logger = LoggingSetup.Configure(new LoggerConfiguration(), Environment.GetEnvironmentVariable("LOG_LEVEL")).CreateLogger();

// `migrate create` and `healthcheck` need no configuration at all.
if (CommandLine.IsScaffold(args))
    return CommandLine.Scaffold(args);
if (CommandLine.IsHealthcheck(args))
    return await CommandLine.HealthcheckAsync();

var isCommand = CommandLine.IsCommand(args);
var builder = WebApplication.CreateBuilder(isCommand ? [] : args);
WebApplication app;
try
{
    builder.AddInfrastructure(forCommandLine: isCommand);
    builder.Services.AddTickets();
    builder.Services.AddAuthSlices();
    builder.Services.AddUsers();
    builder.Services.AddInbound();
    builder.Services.AddGroups();
    app = builder.Build();
}
catch (StartupException e)
{
    Console.Error.WriteLine($"supportdesk: {e.Message}");
    return 1;
}

if (isCommand)
    return await CommandLine.RunAsync(app, args);

try
{
    await Startup.PrepareAsync(app);
}
catch (StartupException e)
{
    Console.Error.WriteLine($"supportdesk: {e.Message}");
    return 1;
}

app.UseInfrastructure();

if (app.Services.GetRequiredService<AppSettings>().ApiDocs)
    app.MapApiDocs();
app.MapMetricsEndpoint();

var api = app.MapGroup("").AddValidation().WithProblemResponses();
api.MapHealth();
api.MapAuth();
api.MapUsers();
api.MapOrganizations();
api.MapGroups();
api.MapRoutingRules();
api.MapTickets();
api.MapTicketFields();
api.MapAttachments();
api.MapEmailAdmin();
api.MapInboundAdmin();
api.MapKnowledgeBase();
api.MapSearch();
api.MapNotifications();
api.MapSla();
api.MapReports();
app.MapRealtime();

app.Run();
return 0;

public partial class Program;
