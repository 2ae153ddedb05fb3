using Xunit.Sdk;

namespace Tests.Infrastructure;

/// <summary>
/// A fact of a store contract suite (the abstract <c>…StoreContract</c> bases of the feature folders). It is declared once on the
/// abstract base, so whether it needs PostgreSQL depends on the concrete class: in a class marked
/// <see cref="RequiresPostgresAttribute"/> it is skipped like <see cref="PostgresFactAttribute"/> when no
/// PostgreSQL is configured (and fails with REQUIRE_POSTGRES=1).
/// </summary>
[XunitTestCaseDiscoverer("Tests.Infrastructure.StoreFactDiscoverer", "Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class StoreFactAttribute : FactAttribute;
