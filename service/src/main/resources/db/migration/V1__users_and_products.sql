-- The seeds' two resources. Ids are generated; emails are unique regardless of case.
create table users (
    id         bigint generated always as identity primary key,
    name       text        not null check (length(btrim(name)) > 0),
    email      text        not null,
    created_at timestamptz not null default now()
);
create unique index users_email_unique on users (lower(email));

create table products (
    id          bigint generated always as identity primary key,
    name        text          not null check (length(btrim(name)) > 0),
    description text          not null default '',
    price       numeric(12, 2) not null check (price >= 0),
    stock       integer       not null check (stock >= 0),
    created_at  timestamptz   not null default now(),
    updated_at  timestamptz   not null default now()
);
