using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Sla.GetSlaPolicy;

public sealed record GetSlaPolicyQuery(Guid Id) : IQuery<SlaPolicyResponse>;

public sealed class GetSlaPolicyHandler(NpgsqlDataSource dataSource) : IQueryHandler<GetSlaPolicyQuery, SlaPolicyResponse>
{
    private const string Sql = $"SELECT {SlaPolicyRow.Columns} FROM sla_policies p WHERE p.id = @Id";

    public async ValueTask<SlaPolicyResponse> Handle(GetSlaPolicyQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<SlaPolicyRow>(new CommandDefinition(Sql, query, cancellationToken: ct));
        return row?.ToResponse() ?? throw new NotFoundException("SLA policy not found.");
    }
}
