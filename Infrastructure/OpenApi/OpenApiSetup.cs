using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;
using Scalar.AspNetCore;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Json;

namespace SupportDesk.Infrastructure.OpenApi;

/// <summary>OpenAPI 3.1 at /openapi/v1.json and a Scalar reference at /docs; off in Production unless API_DOCS=true.</summary>
public static partial class OpenApiSetup
{
    private const string BearerScheme = "Bearer";

    public static IServiceCollection AddApiDocs(this IServiceCollection services)
    {
        services.AddOpenApi(options =>
        {
            // Optional<T> (a partial-update field) is T on the wire: inlined at each use, never a component of its own.
            // Other names keep to the characters OpenAPI allows in a component name ("String[]" is not one).
            options.CreateSchemaReferenceId = type =>
                IsOptional(type.Type) ? null
                : OpenApiOptions.CreateDefaultSchemaReferenceId(type) is { } id ? InvalidNameChars().Replace(id.Replace("[]", "Array"), "") : null;

            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "SupportDesk API",
                    Version = "v1",
                    Description = "Customer-support ticketing: tickets, comments, audit trail, users. JSON is snake_case; errors are RFC 9457 problem+json.",
                    License = new OpenApiLicense { Name = "MIT", Identifier = "MIT" },
                };
                // The server is the address the document was fetched from; paths start with "/", so no trailing slash.
                foreach (var server in document.Servers ?? [])
                    server.Url = server.Url?.TrimEnd('/');
                // Tags in the order a reader meets the product, not in mapping order.
                string[] order = ["Health", "Auth", "Users", "Tickets", "Attachments", "Knowledge base", "Search", "Notifications", "Realtime", "Email", "SLA", "Reports"];
                if (document.Tags is { Count: > 0 } tags)
                {
                    foreach (var tag in tags)
                        tag.Description ??= TagDescriptions.GetValueOrDefault(tag.Name ?? "");
                    document.Tags = new HashSet<OpenApiTag>(tags.OrderBy(t => Array.IndexOf(order, t.Name) is var i && i < 0 ? int.MaxValue : i));
                }
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "The access_token from POST /auth/login or /auth/register.",
                };
                OpenApiResponseSchemas.MarkAlwaysPresent(document, skip: nameof(Problem));
                OpenApiResponseSchemas.RemoveNullFromEnumComponents(document);
                return Task.CompletedTask;
            });

            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (!metadata.OfType<IAllowAnonymous>().Any())
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
                }
                else
                {
                    // Says "no token needed" instead of leaving it to the document's default.
                    operation.Security = [];
                }
                OpenApiParameters.Describe(operation, context.Description);
                if (metadata.OfType<IfMatchMetadata>().Any())
                    OpenApiParameters.AddIfMatch(operation);
                if (metadata.OfType<IdempotencyKeyMetadata>().Any())
                    OpenApiParameters.AddIdempotencyKey(operation);
                return Task.CompletedTask;
            });

            options.AddSchemaTransformer(async (schema, context, ct) =>
            {
                var type = context.JsonTypeInfo.Type;
                // StorableStringConverter hides string from the schema exporter (it writes {}): a string on the wire.
                if (type == typeof(string) && schema.Type is null && schema.Enum is null)
                    schema.Type = context.JsonPropertyInfo is { IsGetNullable: true } ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
                else if (type != typeof(string) && typeof(IEnumerable<string>).IsAssignableFrom(type) && schema.Items is not OpenApiSchema { Type: not null })
                    schema.Items = new OpenApiSchema { Type = JsonSchemaType.String };
                if (IsOptional(type))
                    await DescribeOptionalAsync(schema, context, ct);
                OpenApiRequestSchemas.MarkRequired(schema, context);
                if (context.JsonPropertyInfo?.AttributeProvider?.GetCustomAttributes(typeof(OpenApiEnumAttribute), true)
                        .OfType<OpenApiEnumAttribute>().FirstOrDefault() is { } values)
                    schema.Enum = values.Values.Select(v => (JsonNode)JsonValue.Create(v)).ToList();
            });
        });
        return services;
    }

    private static readonly Dictionary<string, string> TagDescriptions = new()
    {
        ["Health"] = "Liveness and readiness probes.",
        ["Auth"] = "Sign-up, sign-in, token refresh and password changes.",
        ["Users"] = "Accounts and roles (admin only).",
        ["Tickets"] = "Tickets, their comments and their audit trail.",
        ["Attachments"] = "Files on tickets and comments: streamed uploads, downloads with the visibility of their comment.",
        ["Knowledge base"] = "Markdown articles, drafts and published.",
        ["Search"] = "Ranked full-text search over tickets and articles.",
        ["Notifications"] = "The signed-in user's stored notifications.",
        ["Realtime"] = "A WebSocket of live events.",
        ["Email"] = "Email templates and the outgoing mail queue (admin only).",
        ["SLA"] = "Business-hours schedules and SLA policies (staff read, admins change).",
        ["Reports"] = "Response times, SLA compliance and ticket volume over a period, as JSON or CSV (staff only).",
    };

    private static bool IsOptional(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Optional<>);

    /// <summary>Optional&lt;T&gt; is T on the wire; it may be null only where T may (Optional&lt;string?&gt;, Optional&lt;Guid?&gt;).</summary>
    private static async Task DescribeOptionalAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        var innerType = context.JsonTypeInfo.Type.GetGenericArguments()[0];
        var inner = await context.GetOrCreateSchemaAsync(innerType, null, ct);
        var nullable = Nullable.GetUnderlyingType(innerType) is not null
            || (context.JsonPropertyInfo?.AttributeProvider is PropertyInfo property
                && new NullabilityInfoContext().Create(property).GenericTypeArguments[0].ReadState == NullabilityState.Nullable);
        // The validator refuses an explicit null for these (status, priority): not nullable on the wire.
        if (context.JsonPropertyInfo?.AttributeProvider?.IsDefined(typeof(OpenApiNotNullAttribute), true) == true)
            nullable = false;
        schema.Type = inner.Type;
        schema.Format = inner.Format;
        schema.Items = inner.Items;
        schema.Properties = inner.Properties;
        schema.OneOf = inner.OneOf;
        schema.AnyOf = inner.AnyOf;
        schema.Enum = inner.Enum?.Where(v => v is not null).ToList();
        if (schema.Enum is { Count: > 0 })
        {
            schema.Type = JsonSchemaType.String;
            if (nullable)
                schema.Enum.Add(null!);
        }
        if (nullable)
            schema.Type = (schema.Type ?? 0) | JsonSchemaType.Null;
        else if (schema.Type is { } t)
            schema.Type = t & ~JsonSchemaType.Null;
    }

    /// <summary>
    /// Declares the problem responses each route can give, from what the route is: every route may answer 500 and,
    /// with the database away, 503; a route with a body or query 400, and with a body 413 and 415; a protected route
    /// 401 (and 403 when it needs a role); a route with an id 404; a write 409 (a unique value taken, or a concurrent
    /// change); a rate-limited route 429. A route adds what only its handler knows (<see cref="RouteProblems"/>).
    /// Runs last, so it sees every other convention's metadata.
    /// </summary>
    public static TBuilder WithProblemResponses<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Finally(endpoint =>
        {
            var metadata = endpoint.Metadata;
            var statuses = new SortedSet<int>();

            var pattern = (endpoint as RouteEndpointBuilder)?.RoutePattern.RawText ?? "";
            var hasBody = metadata.OfType<IAcceptsMetadata>().Any();
            // A constrained route value ({id:guid}) never fails to bind: a bad one does not match the route (404).
            var constrained = (endpoint as RouteEndpointBuilder)?.RoutePattern.Parameters.Where(p => p.ParameterPolicies.Count > 0).Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase) ?? [];
            var hasQuery = pattern.Length > 0 && metadata.OfType<IParameterBindingMetadata>().Any(p => (p.HasTryParse || p.IsOptional) && !constrained.Contains(p.Name));
            var methods = metadata.OfType<IHttpMethodMetadata>().LastOrDefault()?.HttpMethods ?? [];
            if (hasBody || hasQuery)
                statuses.Add(StatusCodes.Status400BadRequest);
            if (hasBody)
            {
                statuses.Add(StatusCodes.Status413PayloadTooLarge);
                statuses.Add(StatusCodes.Status415UnsupportedMediaType);
            }
            if (!metadata.OfType<IAllowAnonymous>().Any())
            {
                statuses.Add(StatusCodes.Status401Unauthorized);
                if (metadata.OfType<IAuthorizeData>().Any(a => a.Policy is not null && a.Policy != Policies.Authenticated))
                    statuses.Add(StatusCodes.Status403Forbidden);
            }
            if (pattern.Contains('{'))
                statuses.Add(StatusCodes.Status404NotFound);
            if (methods.Any(m => m is "POST" or "PUT" or "PATCH" or "DELETE"))
                statuses.Add(StatusCodes.Status409Conflict);
            if (!metadata.OfType<DisableRateLimitingAttribute>().Any())
                statuses.Add(StatusCodes.Status429TooManyRequests);
            var ownUnavailableBody = metadata.OfType<RouteProblems.OwnUnavailableBodyMetadata>().Any();
            if (!metadata.OfType<RouteProblems.NoDatabaseMetadata>().Any() && !ownUnavailableBody)
                statuses.Add(StatusCodes.Status503ServiceUnavailable);
            statuses.Add(StatusCodes.Status500InternalServerError);
            foreach (var own in metadata.OfType<RouteProblems.HandlerProblemsMetadata>())
                statuses.UnionWith(own.Statuses);
            if (statuses.Contains(StatusCodes.Status412PreconditionFailed))
                metadata.Add(new IfMatchMetadata());
            // The routes IdempotencyKeys serves (a signed-in POST, not sign-in, not an upload): the header, a malformed key (400), a key reused
            // for a different request (422) and one still in flight or used before an access change (409).
            var multipart = metadata.OfType<IAcceptsMetadata>().Any(a => a.ContentTypes.Any(c => c.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase)));
            if (methods.Contains("POST") && !metadata.OfType<IAllowAnonymous>().Any() && !multipart
                && !pattern.TrimStart('/').StartsWith("auth", StringComparison.OrdinalIgnoreCase))
            {
                metadata.Add(new IdempotencyKeyMetadata());
                statuses.Add(StatusCodes.Status400BadRequest);
                statuses.Add(StatusCodes.Status409Conflict);
                statuses.Add(StatusCodes.Status422UnprocessableEntity);
            }

            foreach (var status in statuses)
                metadata.Add(new ProducesResponseTypeMetadata(status, typeof(Problem), ["application/problem+json"]));
            if (ownUnavailableBody
                && metadata.OfType<IProducesResponseTypeMetadata>().FirstOrDefault(p => p.StatusCode == StatusCodes.Status200OK)?.Type is { } body)
                metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status503ServiceUnavailable, body, ["application/json"]));
        });
        return builder;
    }

    /// <summary>Marks a route that reads If-Match, so the document declares the header.</summary>
    private sealed class IfMatchMetadata;

    /// <summary>Marks a route that takes an Idempotency-Key, so the document declares the header.</summary>
    private sealed class IdempotencyKeyMetadata;

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex InvalidNameChars();

    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous().ExcludeFromDescription();
        app.MapScalarApiReference("/docs", options => options
                .WithTitle("SupportDesk API")
                .WithOpenApiRoutePattern("/openapi/{documentName}.json")
                .DisableDefaultFonts())
            .AllowAnonymous()
            .ExcludeFromDescription();
        return app;
    }
}
