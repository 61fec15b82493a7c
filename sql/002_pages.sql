-- 002_pages.sql: the first text of the program pages; administrators edit it
-- at /admin/pages/SLUG.  The HTML is rendered by the portal at start-up.
INSERT INTO pages (slug, markdown, updated_at) VALUES ('home',
'The Torrance Police Department runs two programs that bring residents and
officers together. Both are free.', strftime('%s', 'now'));

INSERT INTO pages (slug, markdown, updated_at) VALUES ('pip',
'## A citizen police academy

Partners In Policing is a free academy for adults who live, work, study,
worship or volunteer in Torrance. Over 10 to 12 evening sessions, officers,
detectives, dispatchers and specialists show you how the department works and
answer your questions.

You will see, among other things:

- how patrol officers respond to calls, and what happens after a 9-1-1 call;
- how detectives work a case and how evidence is collected;
- traffic safety, the K-9 unit and the Special Weapons and Tactics team;
- the training that officers go through, including the use-of-force simulator.

44 classes have graduated so far. Classes are numbered in sequence and
registration fills up quickly.

## Who can apply

You can apply if you are **18 or older by the first session** and you have a
connection with Torrance. You can tick more than one:

- you live in the City of Torrance;
- you work in Torrance;
- you attend school in Torrance;
- you belong to a church or other place of worship in Torrance;
- you belong to a Torrance-based civic organization, such as Kiwanis, Rotary
  or the Chamber of Commerce.

Every applicant agrees to a background check before the class starts.

## How to apply

Apply online for the next class. If the class is full, you can join its
waiting list; we will tell you by email if a place opens. If no class is open,
leave your email address and we will tell you when registration opens.',
strftime('%s', 'now'));

INSERT INTO pages (slug, markdown, updated_at) VALUES ('tap',
'## A semester with the police department

Teens and Policing is a program for juniors and seniors of Torrance Unified
School District high schools. Once a semester, in the fall and in the spring,
students meet officers at the police department for **12 weekly sessions, one
evening a week from 6 to 8 PM**.

Students learn how the department serves the city, take part in hands-on
exercises and talk openly with officers about policing and their community.
Students who complete the program earn school credit.

## How students join

Students are nominated by their school counselor. If you are a student in
grade 11 or 12 at a TUSD high school and want to take part, talk to your
counselor.

A student under 18 needs the consent of a parent or guardian, which the
counselor keeps on file.

## For counselors

Counselors sign in to nominate students from their own school and to follow
them through the semester.', strftime('%s', 'now'));
