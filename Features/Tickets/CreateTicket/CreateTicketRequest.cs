using System.Text.Json;
using FluentValidation;

namespace SupportDesk.Features.Tickets.CreateTicket;

public sealed record CreateTicketRequest(
    string Title = "",
    string Description = "",
    TicketPriority? Priority = null,
    string? Category = null,
    string[]? Tags = null,
    Guid? RequesterId = null,
    Guid[]? AttachmentIds = null,
    Dictionary<string, JsonElement>? CustomFields = null,
    Guid? GroupId = null);

public sealed class CreateTicketValidator : AbstractValidator<CreateTicketRequest>
{
    public CreateTicketValidator()
    {
        RuleFor(r => r.Title).ValidTitle();
        RuleFor(r => r.Description).ValidDescription();
        RuleFor(r => r.Category).ValidCategory();
        RuleFor(r => r.Tags).ValidTags();
        RuleFor(r => r.RequesterId).NotEqual(Guid.Empty);
        RuleFor(r => r.AttachmentIds).ValidAttachmentIds();
        RuleFor(r => r.CustomFields).ValidCustomFieldKeys();
        RuleFor(r => r.GroupId).NotEqual(Guid.Empty);
    }
}
