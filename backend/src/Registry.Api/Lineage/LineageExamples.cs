namespace Registry.Api.Lineage;

/// <summary>The text forms of lineage as Swagger UI shows them: stock_rsi_14d and its upstream stock_daily_close.</summary>
internal static class LineageExamples
{
    public const string Mermaid = """
        flowchart LR
            n0["stock_rsi_14d · 1.0.0 · active · quant-team"]
            n1["stock_daily_close · 1.0.0 · active · data-eng"]
            n1 --> n0
            classDef draft fill:#f3f4f6,stroke:#6b7280
            classDef active fill:#dcfce7,stroke:#15803d
            classDef deprecated fill:#fef3c7,stroke:#b45309,stroke-dasharray:5 3
            classDef archived fill:#e5e7eb,stroke:#374151,stroke-dasharray:2 2
            classDef asked stroke-width:4px
            class n0,n1 active
            class n0 asked

        """;

    public const string Dot = """
        digraph lineage {
            rankdir=LR;
            node [shape=box, style="rounded,filled", fontname="sans-serif"];
            n0 [label="stock_rsi_14d\n1.0.0 · active\nquant-team", fillcolor="#dcfce7", color="#15803d", style="rounded,filled", penwidth=3];
            n1 [label="stock_daily_close\n1.0.0 · active\ndata-eng", fillcolor="#dcfce7", color="#15803d", style="rounded,filled"];
            n1 -> n0;
        }

        """;
}
