using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SupportDesk.Features.Organizations.DeleteOrganization;

public static class DeleteOrganizationEndpoint
{
    public static void MapDeleteOrganization(this RouteGroupBuilder group) =>
        group.MapDelete("/{id:guid}", HandleAsync)
            .WithName("DeleteOrganization")
            .WithSummary("Delete an organization and its domains (admin only). Its members stay, in no organization.");

    private static async Task<NoContent> HandleAsync(Guid id, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new DeleteOrganizationCommand(id), ct);
        return TypedResults.NoContent();
    }
}
