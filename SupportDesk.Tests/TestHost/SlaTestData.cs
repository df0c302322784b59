using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SupportDesk.Tests.TestHost;

/// <summary>Schedules and SLA policies over HTTP, with unique names and a unique tag per policy so tests never share one.</summary>
public static class SlaTestData
{
    public static object OfficeHours(string? name = null, string zone = "Europe/Berlin", object[]? holidays = null) => new
    {
        name = name ?? $"Office {Guid.NewGuid():N}",
        time_zone = zone,
        intervals = new[] { "monday", "tuesday", "wednesday", "thursday", "friday" }
            .Select(day => new { day, start = "09:00", end = "17:00" }).ToArray(),
        holidays = holidays ?? [],
    };

    public static async Task<JsonElement> CreateScheduleAsync(this HttpClient admin, object? body = null)
    {
        var response = await admin.PostAsJsonAsync("/schedules", body ?? OfficeHours());
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create schedule: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}

public static class SlaPolicyTestData
{
    /// <summary>A policy for tickets tagged with <paramref name="tag"/> only, so no other test's tickets match it.</summary>
    public static object ForTag(string tag, object[] targets, Guid? scheduleId = null, int position = 0, string? name = null) => new
    {
        name = name ?? $"Policy {Guid.NewGuid():N}",
        position,
        conditions = new { tags = new[] { tag } },
        schedule_id = scheduleId,
        targets,
    };

    public static object Targets(string priority, int? firstReply = null, int? nextReply = null, int? resolution = null, bool businessHours = false) => new
    {
        priority,
        first_reply_time = firstReply is { } f ? new { minutes = f, business_hours = businessHours } : null,
        next_reply_time = nextReply is { } n ? new { minutes = n, business_hours = businessHours } : null,
        resolution_time = resolution is { } r ? new { minutes = r, business_hours = businessHours } : null,
    };

    public static async Task<JsonElement> CreatePolicyAsync(this HttpClient admin, object body)
    {
        var response = await admin.PostAsJsonAsync("/sla-policies", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create policy: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static string UniqueTag() => $"sla-{Guid.NewGuid():N}"[..30];
}
