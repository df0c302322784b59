using System.Text.Json;
using System.Text.Json.Serialization;
using FluentValidation;
using SupportDesk.Infrastructure.Json;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Tickets.UpdateTicket;

/// <summary>
/// A partial update: an absent field stays as it is. category, assignee_id and group_id may be sent as null to clear them.
/// requester_id, created_by and number are not fields of this type, so they cannot be changed (unknown fields are refused).
/// </summary>
public sealed record UpdateTicketRequest
{
    public Optional<string> Title { get; init; }
    public Optional<string> Description { get; init; }
    [OpenApiNotNull] public Optional<TicketStatus?> Status { get; init; }
    [OpenApiNotNull] public Optional<TicketPriority?> Priority { get; init; }
    public Optional<string?> Category { get; init; }
    public Optional<string[]> Tags { get; init; }
    public Optional<Guid?> AssigneeId { get; init; }
    /// <summary>{key: value}: the keys given are set (null clears one), the others stay.</summary>
    [OpenApiNotNull] public Optional<Dictionary<string, JsonElement>> CustomFields { get; init; }
    public Optional<Guid?> GroupId { get; init; }

    [JsonIgnore]
    public bool IsEmpty => !(Title.IsSet || Description.IsSet || Status.IsSet || Priority.IsSet || Category.IsSet || Tags.IsSet || AssigneeId.IsSet || CustomFields.IsSet || GroupId.IsSet);
}

public sealed class UpdateTicketValidator : AbstractValidator<UpdateTicketRequest>
{
    public UpdateTicketValidator()
    {
        RuleFor(r => r.Title.Value).ValidTitle().OverridePropertyName("title").When(r => r.Title.IsSet);
        RuleFor(r => r.Description.Value).ValidDescription().OverridePropertyName("description").When(r => r.Description.IsSet);
        RuleFor(r => r.Status.Value).NotNull().OverridePropertyName("status").When(r => r.Status.IsSet);
        RuleFor(r => r.Priority.Value).NotNull().OverridePropertyName("priority").When(r => r.Priority.IsSet);
        RuleFor(r => r.Category.Value).ValidCategory().OverridePropertyName("category").When(r => r.Category.IsSet);
        RuleFor(r => r.Tags.Value).NotNull().ValidTags().OverridePropertyName("tags").When(r => r.Tags.IsSet);
        RuleFor(r => r.AssigneeId.Value).NotEqual(Guid.Empty).OverridePropertyName("assignee_id").When(r => r.AssigneeId.IsSet);
        RuleFor(r => r.CustomFields.Value).NotNull().ValidCustomFieldKeys().OverridePropertyName("custom_fields").When(r => r.CustomFields.IsSet);
        RuleFor(r => r.GroupId.Value).NotEqual(Guid.Empty).OverridePropertyName("group_id").When(r => r.GroupId.IsSet);
        RuleFor(r => r).Must(r => !r.IsEmpty).OverridePropertyName("body")
            .WithMessage("Give at least one of title, description, status, priority, category, tags, assignee_id, group_id, custom_fields.");
    }
}
