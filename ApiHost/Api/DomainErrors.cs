using Grains.Interfaces.Platform;

namespace ApiHost.Api;

/// <summary>
/// The one table from a grain's <see cref="DomainException"/> code to the HTTP answer: status and recovery advice, looked
/// up by the exact code first and then by its category; the typed details become the envelope's <c>details</c>.
/// A code the table does not know is a bug and answers 500. Extend with <see cref="Map"/>.
/// </summary>
public static class DomainErrors
{
    private static readonly Dictionary<string, (int Status, Func<DomainException, Recovery> Recovery, string? Category)> Table =
        new(StringComparer.Ordinal);

    static DomainErrors()
    {
        Map(DomainErrorCodes.NotFound, 404, new Recovery("check_resource_id", false, "Verify the resource ID exists and you have access to it."));
        Map(DomainErrorCodes.StaleVersion, 412,
            new Recovery("refetch_and_retry", true, "Read the current resource version, merge your changes, and retry with the new ETag."));
        Map(DomainErrorCodes.ConflictCategory, 409, new Recovery("fix_request", false, "Fetch the resource to check its current state."));
        Map(DomainErrorCodes.ValidationCategory, 400, new Recovery("fix_request", false, "Read the message for what to change."));
        Map("validation_error.bad_request", 400, new Recovery("fix_request", false, "Read the message for what is missing or wrong."));
        Map("transient_error", 503, new Recovery("retry_later", true, "Retry with the same Idempotency-Key after recovery.retry_after_seconds.", 5));
        Map("authorization_error.environment_mismatch", 403, ex => new Recovery("check_permissions", false,
            ex.Details is EnvironmentMismatchDetails d ? $"Use a {d.RequestedEnvironment} admin key." : "Use an admin key of that environment."));
        // Delegations: a code without a category prefix names its document category.
        Map(DomainErrorCodes.AuthorizationCategory, 403, new Recovery("check_permissions", false, "Read the message and details for what the delegation allows."));
        Map("spending_limit_exceeded", 429, ex => new Recovery("wait_for_reset", true,
            "Wait for the limit to reset. Check details.remaining_daily and details.remaining_monthly.",
            (ex.Details as SpendingLimitDetails)?.RetryAfterSeconds), category: "rate_limited");
        Map("authorization_error.delegation_exceeds_grantor", 403, ex => ex.Details is DelegationGrantorDetails { Fields: ["proposed_actions"] }
            ? new Recovery("check_permissions", false, "Propose only actions within this key's own scopes (discover is agent:discover, ...).")
            : new Recovery("check_permissions", false, "Delegate only actions within this key's own scopes."));
        Map(TrustErrors.CapExceeded, 403, _ => new Recovery("check_permissions", false,
            "Complete more deals to advance trust levels, or use a higher trust-level agent. details.transaction_cap shows your current limit."),
            category: "authorization_error");
        Map("DELEGATION_BUDGET_EXCEEDED", 403, _ => new Recovery("fix_request", false,
            "Propose a lower deal value within details.remaining_budget, or request a higher delegation limit."), category: "authorization_error");
    }

    /// <summary>Registers how a code (or a whole category) is answered.</summary>
    public static void Map(string codeOrCategory, int status, Recovery recovery) => Map(codeOrCategory, status, _ => recovery);

    /// <summary>Registers a code whose recovery advice depends on the error (its details).</summary>
    public static void Map(string codeOrCategory, int status, Func<DomainException, Recovery> recovery, string? category = null) =>
        Table[codeOrCategory] = (status, recovery, category);

    public static ApiError ToApiError(DomainException ex)
    {
        if (!Table.TryGetValue(ex.Code, out var answer) && !Table.TryGetValue(ex.Category, out answer))
        {
            return ApiError.Internal();
        }
        return new ApiError(answer.Status, ex.Code, answer.Category ?? ex.Category, ex.Message, answer.Recovery(ex), Details(ex.Details));
    }

    private static object? Details(DomainErrorDetails? details) => details switch
    {
        InvalidFieldDetails field => new { fields = new Dictionary<string, FieldError> { [field.Field] = new(field.Code, field.Message) } },
        _ => details,
    };
}
