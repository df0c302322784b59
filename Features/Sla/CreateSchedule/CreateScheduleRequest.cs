using FluentValidation;
using SupportDesk.Infrastructure.Sla;
using SupportDesk.Infrastructure.Validation;

namespace SupportDesk.Features.Sla.CreateSchedule;

/// <summary>A schedule: its openings (several a day allowed, never overlapping) and holidays. Also the body of PUT.</summary>
public sealed record CreateScheduleRequest(
    string Name = "", string TimeZone = "", ScheduleInterval[]? Intervals = null, ScheduleHoliday[]? Holidays = null);

public sealed class CreateScheduleValidator : AbstractValidator<CreateScheduleRequest>
{
    public CreateScheduleValidator()
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(ScheduleRules.MaxName)
            .Must(n => n.Trim().Length > 0).WithMessage("'name' must not be blank.").SingleLine();
        RuleFor(r => r.TimeZone).Must(z => ScheduleDefinition.Zone(z) is not null)
            .WithMessage("'time_zone' must be an IANA time zone such as Europe/Berlin or America/New_York.");

        RuleFor(r => r.Intervals)
            .Must(i => i is { Length: > 0 }).WithMessage("'intervals' must hold at least one opening: a week without open hours is never due.")
            .Must(i => i!.Length <= ScheduleRules.MaxIntervals).WithMessage($"'intervals' may hold at most {ScheduleRules.MaxIntervals} openings.")
            .Must(i => i!.All(x => x is not null)).WithMessage("'intervals' must not hold null.")
            .DependentRules(() =>
            {
                RuleForEach(r => r.Intervals).ChildRules(i =>
                {
                    i.RuleFor(x => x.Day).Must(d => ScheduleDefinition.Days.Contains(d))
                        .WithMessage("'day' must be one of " + string.Join(", ", ScheduleDefinition.Days) + ".");
                    i.RuleFor(x => x.Start).Must(s => ScheduleDefinition.Minute(s) is < 1440)
                        .WithMessage("'start' must be a time HH:mm from 00:00 to 23:59.");
                    i.RuleFor(x => x.End).Must(e => ScheduleDefinition.Minute(e) is not null)
                        .WithMessage("'end' must be a time HH:mm up to 24:00.")
                        .Must((x, e) => ScheduleDefinition.Minute(x.Start) is not { } s || ScheduleDefinition.Minute(e) > s)
                        .WithMessage("'end' must be after 'start' (an opening across midnight is two: until 24:00, then from 00:00).");
                });
                RuleFor(r => r.Intervals)
                    .Must(i => !ScheduleRules.AllParse(i!) || ScheduleDefinition.FirstOverlap(i!) < 0)
                    .WithMessage((_, i) => $"'intervals' overlap: opening {ScheduleDefinition.FirstOverlap(i!)} overlaps an earlier one on the same day.");
            });

        RuleFor(r => r.Holidays)
            .Must(h => h is null || h.Length <= ScheduleRules.MaxHolidays)
            .WithMessage($"'holidays' may hold at most {ScheduleRules.MaxHolidays} dates or ranges.")
            .Must(h => h is null || h.All(x => x is not null)).WithMessage("'holidays' must not hold null.")
            .DependentRules(() =>
                RuleForEach(r => r.Holidays).ChildRules(h =>
                {
                    h.RuleFor(x => x.To).Must((x, to) => to is null || to >= x.From).WithMessage("'to' must not be before 'from'.")
                        .Must((x, to) => to is null || to.Value.DayNumber - x.From.DayNumber < ScheduleRules.MaxHolidayRangeDays)
                        .WithMessage($"A holiday range may span at most {ScheduleRules.MaxHolidayRangeDays} days.");
                    h.RuleFor(x => x.Name).MaximumLength(ScheduleRules.MaxHolidayName).SingleLine();
                }));
    }
}
