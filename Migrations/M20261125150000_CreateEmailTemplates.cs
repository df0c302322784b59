using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// Liquid templates for the notifications the service sends, with the defaults it ships.
/// The defaults live here (not in code) so later edits to them are a new migration, never a silent change.
/// </summary>
[Migration(20261125150000)]
public sealed class M20261125150000_CreateEmailTemplates : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            CREATE TABLE email_templates (
                key         text        PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,63}$'),
                subject     text        NOT NULL CHECK (length(subject) BETWEEN 1 AND 500),
                html_body   text        NOT NULL CHECK (length(html_body) BETWEEN 1 AND 100000),
                text_body   text        NOT NULL CHECK (length(text_body) BETWEEN 1 AND 100000),
                is_active   boolean     NOT NULL DEFAULT true,
                created_at  timestamptz NOT NULL DEFAULT now(),
                updated_at  timestamptz NOT NULL DEFAULT now()
            );

            CREATE TRIGGER trg_email_templates_updated_at BEFORE UPDATE ON email_templates
                FOR EACH ROW EXECUTE FUNCTION set_updated_at();
            """);

        InsertTemplate("ticket_created",
            "We received your request: {{ ticket_title }}",
            """
            <p>Hello {{ recipient_name }},</p>
            <p>Thank you for contacting us. Your request <strong>#{{ ticket_number }} {{ ticket_title }}</strong> has been received
            (priority: {{ ticket_priority }}). An agent will get back to you soon.</p>
            {% if ticket_link %}<p><a href="{{ ticket_link }}">View your ticket</a></p>{% endif %}
            <p>Reply to this email to add information to your request.</p>
            """,
            """
            Hello {{ recipient_name }},

            Thank you for contacting us. Your request #{{ ticket_number }} "{{ ticket_title }}" has been received
            (priority: {{ ticket_priority }}). An agent will get back to you soon.
            {% if ticket_link %}
            View your ticket: {{ ticket_link }}
            {% endif %}
            Reply to this email to add information to your request.
            """);

        InsertTemplate("ticket_status_changed",
            "Status changed to {{ ticket_status | replace: '_', ' ' }}: {{ ticket_title }}",
            """
            <p>Hello {{ recipient_name }},</p>
            <p>The status of your request <strong>#{{ ticket_number }} {{ ticket_title }}</strong> changed
            {% if old_status %}from <em>{{ old_status | replace: '_', ' ' }}</em> {% endif %}to <em>{{ ticket_status | replace: '_', ' ' }}</em>{% if actor_name %} ({{ actor_name }}){% endif %}.</p>
            {% if ticket_link %}<p><a href="{{ ticket_link }}">View your ticket</a></p>{% endif %}
            """,
            """
            Hello {{ recipient_name }},

            The status of your request #{{ ticket_number }} "{{ ticket_title }}" changed {% if old_status %}from {{ old_status | replace: '_', ' ' }} {% endif %}to {{ ticket_status | replace: '_', ' ' }}{% if actor_name %} ({{ actor_name }}){% endif %}.
            {% if ticket_link %}
            View your ticket: {{ ticket_link }}
            {% endif %}
            """);

        InsertTemplate("comment_added",
            "New reply: {{ ticket_title }}",
            """
            <p>Hello {{ recipient_name }},</p>
            <p>{{ actor_name | default: 'Someone' }} replied to <strong>#{{ ticket_number }} {{ ticket_title }}</strong>:</p>
            <blockquote style="white-space: pre-wrap">{{ comment_text }}</blockquote>
            {% if ticket_link %}<p><a href="{{ ticket_link }}">View the conversation</a></p>{% endif %}
            """,
            """
            Hello {{ recipient_name }},

            {{ actor_name | default: 'Someone' }} replied to #{{ ticket_number }} "{{ ticket_title }}":

            {{ comment_text }}
            {% if ticket_link %}
            View the conversation: {{ ticket_link }}
            {% endif %}
            """);

        InsertTemplate("ticket_assigned",
            "Assigned to you: {{ ticket_title }}",
            """
            <p>Hello {{ recipient_name }},</p>
            <p>Ticket <strong>#{{ ticket_number }} {{ ticket_title }}</strong> (priority: {{ ticket_priority }}, status: {{ ticket_status | replace: '_', ' ' }})
            is now assigned to {{ assignee_name | default: 'you' }}{% if actor_name %} by {{ actor_name }}{% endif %}.</p>
            {% if ticket_link %}<p><a href="{{ ticket_link }}">Open the ticket</a></p>{% endif %}
            """,
            """
            Hello {{ recipient_name }},

            Ticket #{{ ticket_number }} "{{ ticket_title }}" (priority: {{ ticket_priority }}, status: {{ ticket_status | replace: '_', ' ' }})
            is now assigned to {{ assignee_name | default: 'you' }}{% if actor_name %} by {{ actor_name }}{% endif %}.
            {% if ticket_link %}
            Open the ticket: {{ ticket_link }}
            {% endif %}
            """);

        InsertTemplate("password_reset",
            "Reset your SupportDesk password",
            """
            <p>Hello {{ recipient_name }},</p>
            <p>Someone asked to reset the password of your SupportDesk account. If it was you, follow this link:</p>
            <p><a href="{{ reset_link }}">Reset your password</a></p>
            <p>If you did not ask for this, ignore this email; your password stays as it is.</p>
            """,
            """
            Hello {{ recipient_name }},

            Someone asked to reset the password of your SupportDesk account. If it was you, follow this link:

            {{ reset_link }}

            If you did not ask for this, ignore this email; your password stays as it is.
            """);
    }

    private void InsertTemplate(string key, string subject, string htmlBody, string textBody) =>
        Execute.Sql($"""
            INSERT INTO email_templates (key, subject, html_body, text_body)
            VALUES ({Literal(key)}, {Literal(subject)}, {Literal(htmlBody)}, {Literal(textBody)});
            """);

    // Dollar quoting keeps the template text byte for byte (quotes, braces) without escaping.
    private static string Literal(string value)
    {
        if (value.Contains("$tpl$", StringComparison.Ordinal))
            throw new ArgumentException("Template text must not contain the quoting tag.", nameof(value));
        return $"$tpl${value}$tpl$";
    }

    public override void Down() => Execute.Sql("DROP TABLE IF EXISTS email_templates;");
}
