using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>The emails the SLA breach job sends to the assignee (or the admins of an unassigned ticket).</summary>
[Migration(20261203120300)]
public sealed class M20261203120300_AddSlaEmailTemplates : Migration
{
    public override void Up() => Execute.Sql("""
        INSERT INTO email_templates (key, subject, html_body, text_body) VALUES
        ('sla_warning',
         $tpl$SLA warning: {{ sla_target }} due {{ sla_due_at }} on {{ ticket_title }}$tpl$,
         $tpl$<p>Hello {{ recipient_name }},</p>
        <p>The {{ sla_target }} target of <strong>#{{ ticket_number }} {{ ticket_title }}</strong> (priority {{ ticket_priority }}) is due at {{ sla_due_at }}.</p>
        {% if ticket_link %}<p><a href="{{ ticket_link }}">Open the ticket</a></p>{% endif %}$tpl$,
         $tpl$Hello {{ recipient_name }},

        The {{ sla_target }} target of #{{ ticket_number }} {{ ticket_title }} (priority {{ ticket_priority }}) is due at {{ sla_due_at }}.
        {% if ticket_link %}{{ ticket_link }}{% endif %}$tpl$),
        ('sla_breached',
         $tpl$SLA breached: {{ sla_target }} on {{ ticket_title }}$tpl$,
         $tpl$<p>Hello {{ recipient_name }},</p>
        <p>The {{ sla_target }} target of <strong>#{{ ticket_number }} {{ ticket_title }}</strong> (priority {{ ticket_priority }}) was due at {{ sla_due_at }} and is breached.</p>
        {% if ticket_link %}<p><a href="{{ ticket_link }}">Open the ticket</a></p>{% endif %}$tpl$,
         $tpl$Hello {{ recipient_name }},

        The {{ sla_target }} target of #{{ ticket_number }} {{ ticket_title }} (priority {{ ticket_priority }}) was due at {{ sla_due_at }} and is breached.
        {% if ticket_link %}{{ ticket_link }}{% endif %}$tpl$);
        """);

    public override void Down() => Execute.Sql("DELETE FROM email_templates WHERE key IN ('sla_warning', 'sla_breached');");
}
