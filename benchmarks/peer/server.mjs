// The peer of benchmarks/reads.py: the Neo4j GraphQL Library (@neo4j/graphql 7) on Apollo
// Server, over the same Neo4j and data as Maillage, with no authentication (as a Neo4j user
// would start it). Type definitions map the labels, properties and relationships Maillage
// stores; the @cypher fields give the sort keys Maillage orders by (OPEN first, then the
// name without case), so both return the same rows in the same order.
//
// Usage: NEO4J_URI=bolt://127.0.0.1:17712 NEO4J_USER=neo4j NEO4J_PASSWORD=… PORT=4000 node server.mjs
// Prints "ready <url>" on stdout once it listens; `node server.mjs --print-schema` prints the
// generated schema and exits.
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { Neo4jGraphQL } from "@neo4j/graphql";
import { printSchema } from "graphql";
import neo4j from "neo4j-driver";

const RANK =
  "CASE this.availability WHEN 'OPEN' THEN 0 WHEN 'WAITLIST' THEN 1 WHEN 'FULL' THEN 2 ELSE 3 END";

const typeDefs = /* GraphQL */ `
  type Need @node {
    code: String!
  }
  type Territory @node {
    id: ID!
    code: String!
  }
  type Network @node {
    id: ID!
  }
  type Membership @relationshipProperties {
    until: Date
  }
  type Organization @node {
    id: ID!
    name: String!
    active: Boolean
    sortName: String @cypher(statement: "RETURN toLower(this.name) AS v", columnName: "v")
    services: [Service!]! @relationship(type: "OFFERS", direction: OUT)
    networks: [Network!]! @relationship(type: "MEMBER_OF", direction: OUT, properties: "Membership")
  }
  type Service @node {
    id: ID!
    name: String!
    availability: String
    rank: Int @cypher(statement: "RETURN ${RANK} AS v", columnName: "v")
    sortName: String @cypher(statement: "RETURN toLower(this.name) AS v", columnName: "v")
    organization: Organization @relationship(type: "OFFERS", direction: IN)
    needs: [Need!]! @relationship(type: "ADDRESSES", direction: OUT)
    territories: [Territory!]! @relationship(type: "AVAILABLE_IN", direction: OUT)
  }
  type Referral @node {
    id: ID!
    status: String
    sentAt: DateTime
    sender: Organization @relationship(type: "SENT", direction: IN)
    receiver: Organization @relationship(type: "TO", direction: OUT)
  }
`;

const driver = neo4j.driver(
  process.env.NEO4J_URI ?? "bolt://127.0.0.1:7687",
  neo4j.auth.basic(process.env.NEO4J_USER ?? "neo4j", process.env.NEO4J_PASSWORD ?? ""),
  { maxConnectionPoolSize: 100 },
);
const schema = await new Neo4jGraphQL({ typeDefs, driver }).getSchema();
if (process.argv.includes("--print-schema")) {
  console.log(printSchema(schema));
  await driver.close();
  process.exit(0);
}
const server = new ApolloServer({ schema });
const { url } = await startStandaloneServer(server, {
  listen: { host: "127.0.0.1", port: Number(process.env.PORT ?? 4000) },
  context: async () => ({}),
});
console.log(`ready ${url}`);
