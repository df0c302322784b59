namespace SupportDesk.Infrastructure.Database;

/// <summary>SQLSTATE codes we map to HTTP answers (see ProblemExceptionHandler).</summary>
public static class PostgresErrors
{
    public const string UniqueViolation = "23505";
    public const string ForeignKeyViolation = "23503";
    public const string CheckViolation = "23514";
    public const string NotNullViolation = "23502";
    public const string SerializationFailure = "40001";
    public const string DeadlockDetected = "40P01";
    public const string StringDataRightTruncation = "22001";
    public const string InvalidTextRepresentation = "22P02";
    // A NUL in text; the JSON and endpoint checks refuse it first, this is the last line of defence.
    public const string CharacterNotInRepertoire = "22021";
    public const string ProgramLimitExceeded = "54000";
    public const string QueryCanceled = "57014";
}
